import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Thrown when a step of the stack cannot proceed; `message` is one line a person can act on. */
export class StackError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StackError';
  }
}

/** Finds an executable on PATH, like `command -v`. */
export async function which(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export async function requireTool(name: string, why: string): Promise<string> {
  const found = await which(name);
  if (!found) throw new StackError('TOOL_MISSING', `'${name}' is not on PATH; it is needed to ${why}.`);
  return found;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Output of the command is appended here; the error message points at it. */
  logFile: string;
}

/** Runs a command to completion with its output in a log file; rejects with the log's path on failure. */
export async function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<void> {
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  await new Promise<void>((resolve) => log.once('open', () => resolve()));
  log.write(`\n$ ${cmd} ${args.join(' ')}\n`);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      child.once('error', reject);
      child.once('close', (code, signal) =>
        code === 0
          ? resolve()
          : reject(new StackError('COMMAND_FAILED', `${cmd} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`}); see ${opts.logFile}`)),
      );
    });
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
  }
}
