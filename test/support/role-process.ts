import { spawn, type ChildProcess } from 'node:child_process';

/** A role of the built entry (`node dist/services/main.js <role>`) running as its own process. */
export interface RoleProcess {
  role: string;
  child: ChildProcess;
  /** Resolves with the `running` log line once the role has started; rejects when it exits first. */
  ready: Promise<Record<string, unknown>>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  output(): string;
}

/** Starts `node <entry> <role>` with exactly `env` (nothing inherited). */
export function startRoleProcess(opts: { entry: string; role: string; env: Record<string, string> }): RoleProcess {
  const child = spawn(process.execPath, [opts.entry, opts.role], { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 300) lines.shift();
  };
  const output = () => lines.join('\n');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        keep(line);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (entry.msg === 'running') resolve(entry);
        } catch {
          // not a log line
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(keep));
    void exited.then((code) => reject(new Error(`${opts.role} exited (${code}) before it ran:\n${output()}`)));
  });
  ready.catch(() => undefined);
  return { role: opts.role, child, ready, exited, output };
}
