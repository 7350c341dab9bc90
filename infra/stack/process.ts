import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';

/** A server process the stack started, remembered by its pid file so that `down` stops only ours. */
export interface StartSpec {
  name: string;
  cmd: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  pidFile: string;
}

/** Starts a detached server with output in its log file and records its pid. */
export async function startProcess(spec: StartSpec): Promise<number> {
  const out = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.cmd, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid as number));
    });
    child.unref();
    await writeFile(spec.pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(out);
  }
}

export async function readPid(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM the process group, wait, then SIGKILL; removes the pid file. */
export async function stopProcess(pidFile: string, graceMs = 15_000): Promise<boolean> {
  const pid = await readPid(pidFile);
  if (pid === undefined) return false;
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  let stopped = false;
  if (isAlive(pid)) {
    signalGroup('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) signalGroup('SIGKILL');
    while (isAlive(pid)) await sleep(50);
    stopped = true;
  }
  await rm(pidFile, { force: true });
  return stopped;
}

/** True when something accepts TCP connections on host:port. */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Ports this process has handed out, so that one stack never gets the same port twice. */
const handedOut = new Set<number>();

/** The lowest port of the kernel's ephemeral range (Linux; 32768 where it cannot be read). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32768;
  } catch {
    return 32768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port below the kernel's ephemeral range. A port from `listen(0)` lies in that range,
 * where outgoing connections and other servers' own port-0 binds can take it before our server binds
 * it: the Temporal dev server picks its internal ports that way while Kafka's JVM is still starting
 * (seen once: "Address already in use" for the Kafka controller).
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1;
  const low = 20_000;
  if (high - low >= 1_000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = low + Math.floor(Math.random() * (high - low + 1));
      if (handedOut.has(port)) continue;
      handedOut.add(port); // before the check, so that concurrent callers never pick the same port
      if (await canListen(port)) return port;
    }
  }
  return kernelPort();
}

/** Asks the kernel for a free loopback port (from the ephemeral range). */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it resolves true or the deadline passes; the last error explains a timeout. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, isDead?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (isDead?.()) throw new Error(`${what} exited while starting`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(250);
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`${what} was not ready after ${Math.round(timeoutMs / 1000)} s${reason}`);
}
