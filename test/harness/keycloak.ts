import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { loadConfig } from '../../services/config';
import { freePort, waitFor } from '../../infra/stack/process';

/**
 * A real Keycloak for integration tests: `org.keycloak:keycloak-quarkus-dist` from Maven Central,
 * installed once per user into `<cache>/keycloak-<version>/`, started per test file in dev mode
 * (`start-dev`, in-memory H2: nothing is shared between runs) on a free loopback port, with a
 * bootstrap admin whose password is made for the run. Each start gets a realm of its own with a
 * confidential client for the connector (service account with realm-management roles) and a public
 * client that logs users in with a password grant (a real session). The realm saves LOGIN events
 * (for a day) and the service account may read them (`view-events`): the connector's last use.
 *
 * Set JML_TEST_KEYCLOAK_URL and JML_TEST_KEYCLOAK_ADMIN_PASSWORD (bootstrap admin `admin`) to use
 * a Keycloak already running instead: each start then only creates a fresh realm in it.
 */
export const KEYCLOAK_VERSION = '26.5.6';

const DIST_URL = `https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/${KEYCLOAK_VERSION}/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.zip`;
/** Build-time options of every run; the augmented build for them is kept beside the install. */
const BUILD_OPTIONS = ['--db', 'dev-mem'];
/** Under load (other test files, drills) a cold start has taken over 4 minutes on 2 cores. */
const START_TIMEOUT_MS = 10 * 60_000;

/** The connector's client and the roles of `realm-management` its service account gets. */
export const CONNECTOR_CLIENT_ROLES = ['manage-users', 'view-users', 'query-users', 'query-groups', 'view-clients', 'query-clients', 'view-realm', 'view-events'] as const;

/** How long the run's realm keeps its login events (seconds): the connector's last use of an account. */
export const LOGIN_EVENTS_EXPIRATION_S = 86_400;

export interface KeycloakServer {
  /** Keycloak's root URL (`http://127.0.0.1:<port>`). */
  baseUrl: string;
  /** The realm made for this start. */
  realm: string;
  /** The confidential client with a service account, for the connector. */
  clientId: string;
  clientSecret: string;
  /** The public client with direct access grants that {@link KeycloakServer.login} uses. */
  loginClientId: string;
  /** An access token of the master realm's bootstrap admin (cached while it lives). */
  adminToken(): Promise<string>;
  /** A request to the admin API below `/admin/realms/<realm>/`, as the bootstrap admin. */
  admin<T = unknown>(req: { method: string; path: string; body?: unknown; query?: Record<string, string> }): Promise<{ status: number; body: T | undefined; location?: string }>;
  /**
   * Password grant of the public client: a real user session (with `offline`, an offline token,
   * whose session outlives a logout). Rejects unless Keycloak answers 200.
   */
  login(username: string, password: string, opts?: { offline?: boolean }): Promise<{ accessToken: string; refreshToken: string }>;
  /** Refresh grant of the public client: the HTTP status and OAuth error, to prove a session ended. */
  refresh(refreshToken: string): Promise<{ status: number; error?: string }>;
  /** How long the server took to answer (0 when reused), for reports. */
  startedInMs: number;
  stop(): Promise<void>;
}

/**
 * Installs the distribution into the cache and returns its folder. The zip (~165 MB) is checked
 * against the `.sha1` Maven Central publishes beside it, unpacked with `unzip` in a temporary
 * sibling folder and renamed into place, so concurrent runs never see a half-installed copy.
 */
export async function installKeycloak(opts: { cacheDir?: string; say?: (line: string) => void } = {}): Promise<string> {
  const cacheDir = opts.cacheDir ?? loadConfig().cacheDir;
  const home = join(cacheDir, `keycloak-${KEYCLOAK_VERSION}`);
  const marker = join(home, '.installed');
  if (existsSync(marker)) return home;

  await mkdir(cacheDir, { recursive: true });
  const staging = `${home}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  const started = Date.now();
  const say = opts.say ?? defaultSay;
  say(`installing Keycloak ${KEYCLOAK_VERSION} from Maven Central into ${home} ...`);
  try {
    await mkdir(staging, { recursive: true });
    const zip = join(staging, 'dist.zip');
    const expected = (await (await fetchOk(`${DIST_URL}.sha1`)).text()).trim().split(/\s+/)[0]?.toLowerCase();
    const actual = await download(DIST_URL, zip);
    if (!expected || actual !== expected) throw new Error(`Keycloak zip sha1 ${actual} does not match Maven Central's ${expected ?? '(empty)'}`);
    say(`downloaded and verified in ${secondsSince(started)} s; unpacking ...`);
    await run('unzip', ['-q', zip, '-d', staging]);
    const unpacked = join(staging, `keycloak-${KEYCLOAK_VERSION}`);
    await writeFile(join(unpacked, '.installed'), `keycloak-quarkus-dist ${KEYCLOAK_VERSION} sha1 ${actual}\n`);
    if (existsSync(home) && !existsSync(marker)) await rm(home, { recursive: true, force: true }); // a crashed earlier install
    await rename(unpacked, home).catch((err: NodeJS.ErrnoException) => {
      if (!existsSync(marker)) throw err; // only "someone else finished first" is fine
    });
    say(`Keycloak ${KEYCLOAK_VERSION} installed in ${secondsSince(started)} s`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return home;
}

/**
 * Starts Keycloak (or reuses the one the environment names), creates the test realm and its two
 * clients, and resolves once the connector's client can get a token.
 */
export async function startKeycloak(opts: { cacheDir?: string; say?: (line: string) => void } = {}): Promise<KeycloakServer> {
  const say = opts.say ?? defaultSay;
  const reuseUrl = process.env.JML_TEST_KEYCLOAK_URL;
  const reusePassword = process.env.JML_TEST_KEYCLOAK_ADMIN_PASSWORD;
  if (reuseUrl && reusePassword) {
    return withRealm({ baseUrl: reuseUrl.replace(/\/+$/, ''), adminPassword: reusePassword, startedInMs: 0, stop: async () => undefined });
  }
  const home = await installKeycloak(opts);
  const runHome = await prepareRunHome(home);
  const adminPassword = `kc-${randomBytes(18).toString('base64url')}`;
  let lastError: unknown;
  // A free port can be taken between the probe and the bind: try twice.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const started = Date.now();
    const child = spawn(join(runHome, 'bin', 'kc.sh'), ['start-dev', ...BUILD_OPTIONS, '--http-port', String(port), '--http-host', '127.0.0.1'], {
      cwd: runHome,
      env: { ...process.env, KC_BOOTSTRAP_ADMIN_USERNAME: 'admin', KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      if (output.length > 300) output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // Detached so that the JVM kc.sh starts is in our group; killed with us if the test process dies first.
    const killOnExit = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    process.once('exit', killOnExit);
    const stop = async () => {
      process.off('exit', killOnExit);
      await stopGroup(child);
      await rm(runHome, { recursive: true, force: true });
    };
    try {
      say(`starting Keycloak ${KEYCLOAK_VERSION} on ${baseUrl} ...`);
      await waitFor(`Keycloak on ${baseUrl}`, () => answers(baseUrl), START_TIMEOUT_MS, () => child.exitCode !== null);
      const startedInMs = Date.now() - started;
      say(`Keycloak answered after ${(startedInMs / 1000).toFixed(0)} s`);
      await keepAugmentedBuild(home, runHome);
      return await withRealm({ baseUrl, adminPassword, startedInMs, stop });
    } catch (err) {
      lastError = new Error(`${(err as Error).message}\n${output.join('').slice(-3_000)}`);
      process.off('exit', killOnExit);
      await stopGroup(child);
    }
  }
  await rm(runHome, { recursive: true, force: true });
  throw lastError;
}

/**
 * A home of its own for one run: Keycloak writes its augmented build (`lib/quarkus`) and its data
 * folder below its home, so each run gets a copy of everything but the jars (`lib/lib`, 158 MB,
 * only read: linked). The augmented build of an earlier run is reused when there is one (it saves
 * the ~1 minute `start-dev` spends re-augmenting a fresh distribution).
 */
async function prepareRunHome(home: string): Promise<string> {
  const runHome = await mkdtemp(join(tmpdir(), 'jml-keycloak-'));
  for (const entry of ['bin', 'conf', 'providers', 'themes', 'version.txt']) await cp(join(home, entry), join(runHome, entry), { recursive: true });
  await mkdir(join(runHome, 'lib'));
  await cp(join(home, 'lib', 'app'), join(runHome, 'lib', 'app'), { recursive: true });
  await cp(join(home, 'lib', 'quarkus-run.jar'), join(runHome, 'lib', 'quarkus-run.jar'));
  const augmented = augmentedDir(home);
  await cp(existsSync(join(augmented, '.complete')) ? augmented : join(home, 'lib', 'quarkus'), join(runHome, 'lib', 'quarkus'), { recursive: true });
  await rm(join(runHome, 'lib', 'quarkus', '.complete'), { force: true });
  await symlink(join(home, 'lib', 'lib'), join(runHome, 'lib', 'lib'));
  return runHome;
}

function augmentedDir(home: string): string {
  return join(home, `.augmented-${createHash('sha1').update(BUILD_OPTIONS.join(' ')).digest('hex').slice(0, 12)}`);
}

/** Keeps the build a run's `start-dev` made, for later runs (staged and renamed, like the install). */
async function keepAugmentedBuild(home: string, runHome: string): Promise<void> {
  const augmented = augmentedDir(home);
  if (existsSync(join(augmented, '.complete'))) return;
  const staging = `${augmented}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await cp(join(runHome, 'lib', 'quarkus'), staging, { recursive: true });
    await writeFile(join(staging, '.complete'), `${BUILD_OPTIONS.join(' ')}\n`);
    await rename(staging, augmented).catch(() => undefined); // another run kept one first
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function answers(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/realms/master/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Creates the run's realm and clients in a running Keycloak. */
async function withRealm(server: { baseUrl: string; adminPassword: string; startedInMs: number; stop: () => Promise<void> }): Promise<KeycloakServer> {
  const { baseUrl } = server;
  const realm = `jml-test-${randomBytes(4).toString('hex')}`;
  const clientId = 'jml-connector';
  const loginClientId = 'jml-login';
  const clientSecret = randomBytes(24).toString('base64url');

  let cached: { token: string; until: number } | undefined;
  const adminToken = async () => {
    if (cached && cached.until > Date.now()) return cached.token;
    const res = await postForm(`${baseUrl}/realms/master/protocol/openid-connect/token`, { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: server.adminPassword });
    if (res.status !== 200) throw new Error(`the bootstrap admin could not log in: ${res.status} ${String(res.body.error)}`);
    cached = { token: String(res.body.access_token), until: Date.now() + (Number(res.body.expires_in) * 1000) / 2 };
    return cached.token;
  };
  const adminAt = async <T>(path: string, req: { method: string; body?: unknown; query?: Record<string, string> }) => {
    const qs = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
    const res = await fetch(`${baseUrl}/admin/realms${path}${qs}`, {
      method: req.method,
      headers: { authorization: `Bearer ${await adminToken()}`, ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    const location = res.headers.get('location') ?? undefined;
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T | undefined, ...(location ? { location } : {}) };
  };
  const must = async <T>(path: string, req: { method: string; body?: unknown; query?: Record<string, string> }) => {
    const res = await adminAt<T>(path, req);
    if (res.status >= 300) throw new Error(`Keycloak setup: ${req.method} ${path} answered ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const r = `/${realm}`;

  try {
    await must('', { method: 'POST', body: { realm, enabled: true } });
    // Login events saved, so the connector can tell when a user last logged in (unused accounts).
    const events = await must<Record<string, unknown>>(`${r}/events/config`, { method: 'GET' });
    await must(`${r}/events/config`, { method: 'PUT', body: { ...events.body, eventsEnabled: true, enabledEventTypes: ['LOGIN'], eventsExpiration: LOGIN_EVENTS_EXPIRATION_S } });
    // The connector's anchor and mapped attributes are unmanaged attributes that only admins edit.
    const profile = await must<Record<string, unknown>>(`${r}/users/profile`, { method: 'GET' });
    await must(`${r}/users/profile`, { method: 'PUT', body: { ...profile.body, unmanagedAttributePolicy: 'ADMIN_EDIT' } });
    const created = await must(`${r}/clients`, {
      method: 'POST',
      body: { clientId, secret: clientSecret, publicClient: false, serviceAccountsEnabled: true, standardFlowEnabled: false, directAccessGrantsEnabled: false },
    });
    const clientUuid = String(created.location?.split('/').pop());
    const serviceUser = await must<{ id: string }>(`${r}/clients/${clientUuid}/service-account-user`, { method: 'GET' });
    const [management] = (await must<Array<{ id: string }>>(`${r}/clients`, { method: 'GET', query: { clientId: 'realm-management' } })).body ?? [];
    const roles = await Promise.all(
      CONNECTOR_CLIENT_ROLES.map(async (name) => (await must<{ id: string; name: string }>(`${r}/clients/${management?.id}/roles/${name}`, { method: 'GET' })).body),
    );
    await must(`${r}/users/${serviceUser.body?.id}/role-mappings/clients/${management?.id}`, { method: 'POST', body: roles });
    await must(`${r}/clients`, { method: 'POST', body: { clientId: loginClientId, publicClient: true, directAccessGrantsEnabled: true, standardFlowEnabled: false } });
  } catch (err) {
    await server.stop();
    throw err;
  }

  const tokenUrl = `${baseUrl}/realms/${realm}/protocol/openid-connect/token`;
  return {
    baseUrl,
    realm,
    clientId,
    clientSecret,
    loginClientId,
    adminToken,
    admin: (req) => adminAt(`${r}/${req.path.replace(/^\/+/, '')}`, req),
    async login(username, password, opts = {}) {
      const scope = opts.offline ? 'openid offline_access' : 'openid';
      const res = await postForm(tokenUrl, { grant_type: 'password', client_id: loginClientId, username, password, scope });
      if (res.status !== 200) throw new Error(`password grant answered ${res.status} ${String(res.body.error)}`);
      return { accessToken: String(res.body.access_token), refreshToken: String(res.body.refresh_token) };
    },
    async refresh(refreshToken) {
      const res = await postForm(tokenUrl, { grant_type: 'refresh_token', client_id: loginClientId, refresh_token: refreshToken });
      return { status: res.status, ...(typeof res.body.error === 'string' ? { error: res.body.error } : {}) };
    },
    startedInMs: server.startedInMs,
    async stop() {
      // A dev-mem server forgets everything when it stops; a reused one loses the run's realm here.
      if (server.startedInMs === 0) await adminAt(r, { method: 'DELETE' }).catch(() => undefined);
      await server.stop();
    },
  };
}

async function postForm(url: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // not JSON: the status says enough
  }
  return { status: res.status, body };
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // kc.sh and the JVM it starts
    } catch {
      child.kill(sig);
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function fetchOk(url: string): Promise<Response> {
  const res = await fetch(url, { signal: AbortSignal.timeout(15 * 60_000) });
  if (!res.ok || !res.body) throw new Error(`GET ${url} answered ${res.status}`);
  return res;
}

/** Streams `url` to `file` and returns the sha1 (hex) of what was written. */
async function download(url: string, file: string): Promise<string> {
  const res = await fetchOk(url);
  const hash = createHash('sha1');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), tap, createWriteStream(file));
  return hash.digest('hex');
}

function secondsSince(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(0);
}

function defaultSay(line: string): void {
  process.stderr.write(`[keycloak] ${line}\n`);
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4_000)));
    child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4_000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${output.slice(-2_000)}`))));
  });
}
