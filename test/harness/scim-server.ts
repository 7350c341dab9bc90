import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../services/config';
import { freePort, waitFor } from '../../infra/stack/process';

/**
 * The real `scim2-server` (PyPI, pinned) for integration tests: installed once per user into
 * `<cache>/scim2-server-<version>/` (a virtualenv), started per test file on a free loopback port
 * with an in-memory store and a random bearer token.
 */
export const SCIM2_SERVER_VERSION = '0.8.3';

export interface ScimServer {
  /** SCIM base URL (the server also serves the same endpoints under /v2). */
  baseUrl: string;
  token: string;
  stop(): Promise<void>;
}

/**
 * Builds the virtualenv in a temporary sibling folder and renames it into place, so that concurrent
 * runs never see a half-installed one (the loser of the rename race deletes its copy). A venv's
 * console scripts hard-code the folder they were built in, so the server is started as
 * `<venv>/bin/python -c …` (the interpreter symlink and site-packages survive the rename).
 */
export async function installScimServer(opts: { cacheDir?: string } = {}): Promise<string> {
  const cacheDir = opts.cacheDir ?? loadConfig().cacheDir;
  const venv = join(cacheDir, `scim2-server-${SCIM2_SERVER_VERSION}`);
  const python = join(venv, 'bin', 'python');
  const marker = join(venv, '.installed');
  if (existsSync(marker)) return python;

  await mkdir(cacheDir, { recursive: true });
  const staging = `${venv}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await run('python3', ['-m', 'venv', staging]);
    await run(join(staging, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `scim2-server==${SCIM2_SERVER_VERSION}`]);
    await writeFile(join(staging, '.installed'), `scim2-server==${SCIM2_SERVER_VERSION}\n`);
    if (existsSync(venv) && !existsSync(marker)) await rm(venv, { recursive: true, force: true }); // a crashed earlier install
    await rename(staging, venv).catch((err: NodeJS.ErrnoException) => {
      if (!existsSync(marker)) throw err; // only "someone else finished first" is fine
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return python;
}

/** Starts the server and resolves once /ServiceProviderConfig answers. */
export async function startScimServer(opts: { cacheDir?: string } = {}): Promise<ScimServer> {
  const python = await installScimServer(opts);
  const token = `scim-${randomBytes(18).toString('base64url')}`;
  // A free port can be taken between the probe and the bind: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const child = spawn(
      python,
      ['-c', 'import sys; from scim2_server.testserver.cli import main; sys.argv[0] = "scim2-server"; sys.exit(main())', '--hostname', '127.0.0.1', '--port', String(port), '--bearer-token', token],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      if (output.length > 200) output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      await waitFor(`scim2-server on ${baseUrl}`, () => answers(baseUrl, token), 30_000, () => child.exitCode !== null);
      return { baseUrl, token, stop: () => stop(child) };
    } catch (err) {
      lastError = new Error(`${(err as Error).message}\n${output.join('').slice(-2_000)}`);
      await stop(child);
    }
  }
  throw lastError;
}

async function answers(baseUrl: string, token: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/ServiceProviderConfig`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(1_000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${output.slice(-2_000)}`))));
  });
}
