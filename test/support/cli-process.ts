import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The package bin, as `npm link` or `npx jml` runs it. */
export const JML_BIN = join(import.meta.dirname, '..', '..', 'bin', 'jml.js');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <entry> ...args` (the bin by default), or `command ...args`, with exactly `env`, and collects what it printed. */
export function runCli(args: readonly string[], opts: { env: NodeJS.ProcessEnv; cwd: string; entry?: string; command?: readonly string[] }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const [cmd, ...pre] = opts.command ?? [process.execPath, opts.entry ?? JML_BIN];
    const child = spawn(cmd as string, [...pre, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
