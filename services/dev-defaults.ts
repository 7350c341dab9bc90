import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { CanonicalKeyConfig } from './config';
import { hmacKeyProblem } from './secrets';

/**
 * The development mode of `npm start` (and only of it): when no canonical key is configured and the
 * gateway binds to loopback, a random key is generated once per stack directory and kept in a file
 * only its owner can read. Nothing secret is committed: every checkout has its own key, and only
 * processes on the same machine can reach a gateway that uses it.
 */

/** The file, inside the stack directory, that holds the development key. */
export const DEV_SECRET_FILE = 'dev-canonical-secret';

/** True for names and addresses that only the local machine can reach (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

export interface DevSecret {
  secret: string;
  path: string;
  /** True when this call generated it. */
  created: boolean;
}

/**
 * The development key of a stack directory, generated (32 random bytes, `whsec_<base64>`, file mode
 * 0600) when it does not exist yet. Throws when the file exists but holds no usable key, or when
 * others can read it.
 */
export function ensureDevCanonicalSecret(stackDir: string): DevSecret {
  const existing = readDevCanonicalSecret(stackDir);
  if (existing) return { ...existing, created: false };
  mkdirSync(stackDir, { recursive: true, mode: 0o700 });
  const path = join(stackDir, DEV_SECRET_FILE);
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  writeOwnerOnlyFile(path, secret);
  return { secret, path, created: true };
}

/** The development key of a stack directory, if one was generated; throws when it is unusable. */
export function readDevCanonicalSecret(stackDir: string): Omit<DevSecret, 'created'> | undefined {
  const path = join(stackDir, DEV_SECRET_FILE);
  const text = readOwnerOnlyFile(path, 'chmod 600 it or delete it to generate a new key');
  if (text === undefined) return undefined;
  const secret = text.trim();
  const weak = hmacKeyProblem(secret, 'standard-webhooks');
  if (weak) throw new Error(`${path}: the key ${weak}; delete the file to generate a new one`);
  return { secret, path };
}

/** How `jml send` signs: a configured key, else the development key against a loopback gateway. */
export type CliSigningKey = { secret: string; note?: string } | { error: string };

export function cliSigningKey(opts: { keys: readonly CanonicalKeyConfig[]; gatewayHost: string; stackDir: string }): CliSigningKey {
  const [configured] = opts.keys;
  if (configured) {
    return opts.keys.length > 1 ? { secret: configured.secret, note: `signing with ${configured.name}` } : { secret: configured.secret };
  }
  const unset = 'JML_CANONICAL_SECRET is not set';
  if (!isLoopbackHost(opts.gatewayHost)) return { error: `${unset} (the development key is only used for a gateway on loopback; GATEWAY_HOST is ${opts.gatewayHost})` };
  const dev = readDevCanonicalSecret(opts.stackDir);
  if (!dev) return { error: `${unset} and no development key exists in ${opts.stackDir} (npm start creates it)` };
  return { secret: dev.secret, note: `${unset}; signing with the development key in ${dev.path}` };
}

/**
 * Writes a development key file only its owner can read. `wx`: never overwrite a key another process
 * created meanwhile (what it sealed or signed would be lost); the mode applies on creation.
 */
export function writeOwnerOnlyFile(path: string, text: string): void {
  writeFileSync(path, `${text}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

/** A development key file's text; undefined when it does not exist; throws (with `hint`) when others can read it. */
export function readOwnerOnlyFile(path: string, hint: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if ((statSync(path).mode & 0o077) !== 0) throw new Error(`${path} can be read by others; ${hint}`);
  return text;
}
