import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'ldapts';
import { installFromDebian } from '../../infra/stack/install';
import { toolPaths } from '../../infra/stack/paths';
import { freePort, waitFor } from '../../infra/stack/process';
import { loadConfig } from '../../services/config';

/** A running OpenLDAP server owned by one test file, with a seeded tree. */
export interface SlapdInstance {
  url: string;
  /** The rootdn: may do anything, bypasses ACLs. */
  bindDn: string;
  bindPassword: string;
  /** The suffix, e.g. `dc=example,dc=org`. */
  baseDn: string;
  peopleDn: string;
  groupsDn: string;
  disabledDn: string;
  /** DNs of the seeded groupOfNames entries, by cn. */
  groups: Readonly<Record<string, string>>;
  /** A client bound as the rootdn, for out-of-band changes in tests. Closed by stop(). */
  admin: Client;
  /** Kills slapd (SIGTERM, then SIGKILL) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartSlapdOptions {
  /** Defaults to `/usr/sbin/slapd`. */
  slapdPath?: string;
  suffix?: string;
  /** groupOfNames to seed under ou=groups (each starts with its own DN as placeholder member). */
  groups?: readonly string[];
}

const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';
const OPENSSH_LPK_SCHEMA = fileURLToPath(new URL('../../connectors/ldap/schema/openssh-lpk.schema', import.meta.url));

/**
 * Starts Debian's slapd as a plain foreground child (`-d 0` keeps it attached, so that we hold its
 * pid and see it exit) with a generated slapd.conf in a fresh temp directory, on a free loopback
 * port; waits until a bind works, then seeds the suffix, ou=people, ou=groups, ou=disabled and the
 * groups. When slapd is missing it is installed from Debian (slapd, ldap-utils), like the stack's servers.
 */
export async function startSlapd(opts: StartSlapdOptions = {}): Promise<SlapdInstance> {
  const slapdPath = await installFromDebian({
    binary: opts.slapdPath ?? '/usr/sbin/slapd',
    packages: ['slapd', 'ldap-utils'],
    say: (line) => process.stderr.write(`[slapd] ${line}\n`),
    paths: toolPaths(loadConfig().cacheDir),
  });
  const suffix = opts.suffix ?? 'dc=example,dc=org';
  const bindDn = `cn=admin,${suffix}`;
  const bindPassword = randomBytes(18).toString('base64url');
  const dir = await mkdtemp(join(tmpdir(), 'jml-slapd-'));
  await mkdir(join(dir, 'db'));
  await writeFile(join(dir, 'slapd.conf'), slapdConf({ dir, suffix, bindDn, bindPassword }), { mode: 0o600 });

  let child: ChildProcess | undefined;
  let admin: Client | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await admin?.unbind().catch(() => undefined);
    if (child) await killChild(child);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    // freePort() releases the port before slapd binds it; another process may grab it in between.
    let url = '';
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      url = `ldap://127.0.0.1:${port}`;
      child = spawn(slapdPath, ['-f', join(dir, 'slapd.conf'), '-h', `${url}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
      const started = child;
      let stderr = '';
      started.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-4000);
      });
      try {
        await waitFor('slapd', () => bindWorks(url, bindDn, bindPassword), 15_000, () => started.exitCode !== null || started.signalCode !== null);
        break;
      } catch (err) {
        await killChild(started);
        if (attempt >= 3) throw new Error(`slapd did not start: ${(err as Error).message}\n${stderr}`);
      }
    }

    admin = new Client({ url, timeout: 10_000, connectTimeout: 5_000 });
    await admin.bind(bindDn, bindPassword);
    const peopleDn = `ou=people,${suffix}`;
    const groupsDn = `ou=groups,${suffix}`;
    const disabledDn = `ou=disabled,${suffix}`;
    const firstRdnValue = suffix.split(',')[0]?.split('=')[1] ?? 'example';
    await admin.add(suffix, { objectClass: ['top', 'dcObject', 'organization'], dc: firstRdnValue, o: 'jml-pipeline tests' });
    for (const ou of [peopleDn, groupsDn, disabledDn]) {
      await admin.add(ou, { objectClass: ['top', 'organizationalUnit'], ou: ou.slice(3, ou.indexOf(',')) });
    }
    const groups: Record<string, string> = {};
    for (const cn of opts.groups ?? ['staff', 'engineering']) {
      const dn = `cn=${cn},${groupsDn}`;
      await admin.add(dn, { objectClass: ['top', 'groupOfNames'], cn, member: dn });
      groups[cn] = dn;
    }
    return { url, bindDn, bindPassword, baseDn: suffix, peopleDn, groupsDn, disabledDn, groups, admin, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function slapdConf(p: { dir: string; suffix: string; bindDn: string; bindPassword: string }): string {
  return [
    `include ${SCHEMA_DIR}/core.schema`,
    `include ${SCHEMA_DIR}/cosine.schema`,
    `include ${SCHEMA_DIR}/inetorgperson.schema`,
    // SSH public keys (objectClass ldapPublicKey, attribute sshPublicKey), shipped with the LDAP connector.
    `include ${OPENSSH_LPK_SCHEMA}`,
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    `pidfile ${join(p.dir, 'slapd.pid')}`,
    `argsfile ${join(p.dir, 'slapd.args')}`,
    // Default ACL is "read for everyone"; tests bind as the rootdn, which bypasses ACLs.
    'database mdb',
    `suffix "${p.suffix}"`,
    `rootdn "${p.bindDn}"`,
    // Plaintext rootpw is fine for a throwaway test server; the file is mode 0600.
    `rootpw ${p.bindPassword}`,
    `directory ${join(p.dir, 'db')}`,
    // 64 MiB map: plenty for tests, small enough to not reserve a large sparse file.
    'maxsize 67108864',
    'index objectClass eq',
    'index uid,cn,employeeNumber,entryUUID eq',
    'index member eq',
    '',
  ].join('\n');
}

async function bindWorks(url: string, bindDn: string, password: string): Promise<boolean> {
  const client = new Client({ url, timeout: 2_000, connectTimeout: 1_000 });
  try {
    await client.bind(bindDn, password);
    return true;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** SIGTERM (slapd flushes and exits), SIGKILL after 5 s; resolves once the process is gone. */
async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The `settings:` and `secrets:` of an LDAP app on this slapd as policy YAML, indented four spaces
 * (under `apps.<id>:`), people under `peopleDn`, leavers moved to `disabledDn`, the bind password
 * read from env `passwordEnv`.
 */
export function slapdAppYaml(slapd: Pick<SlapdInstance, 'url' | 'bindDn' | 'peopleDn' | 'groupsDn' | 'disabledDn'>, passwordEnv: string): string {
  return `    settings:
      url: "${slapd.url}"
      bindDn: "${slapd.bindDn}"
      baseDn: "${slapd.peopleDn}"
      groupsDn: "${slapd.groupsDn}"
      disable: { kind: move-to-ou, disabledDn: "${slapd.disabledDn}" }
    secrets: { bindPassword: { env: ${passwordEnv} } }`;
}
