import { readFileSync, statSync } from 'node:fs';
import type { SecretRef } from '../../schemas/secret-ref';
import { resolveSecret } from '../secrets';

/**
 * A secret (or a certificate) that a client reads when it opens a connection, not once at boot, so
 * that a mounted file can be replaced without restarting the process.
 *
 * - `{ env }`: an environment variable cannot change inside a running process; its value is taken
 *   at boot and returned as is.
 * - `{ file }`: read again whenever the file changed (inode, size or mtime, checked with one stat per
 *   call; Kubernetes swaps a mounted secret by replacing a symlink, which changes all three).
 *
 * `read()` throws when the file has become unreadable or empty; its message names the file, never
 * the value. Config checks every reference once at boot ({@link liveSecret}), so such a throw means
 * the file went away while the process ran.
 */
export interface LiveSecret {
  /** Where the value comes from (`env KAFKA_PASSWORD`, `file /run/secrets/kafka`): safe to log. */
  readonly source: string;
  /** True when the value is re-read from a file (it can rotate without a restart). */
  readonly rotates: boolean;
  read(): string;
}

/**
 * Checks a reference once (adding `<path>: <why>` to `problems` when it cannot be read) and returns
 * the live secret, or undefined when it is unusable. `check` may refuse a readable value (a PEM that
 * does not parse); it returns why, without the value.
 */
export function liveSecret(
  ref: SecretRef,
  opts: { env: NodeJS.ProcessEnv; path: string; problems: string[]; check?: (value: string) => string | undefined },
): LiveSecret | undefined {
  const first = resolveSecret(ref, opts.env);
  if ('error' in first) {
    opts.problems.push(`${opts.path}: ${first.error}`);
    return undefined;
  }
  const refused = opts.check?.(first.value);
  if (refused) {
    opts.problems.push(`${opts.path}: ${refused}`);
    return undefined;
  }
  if ('env' in ref) {
    const value = first.value;
    return { source: `env ${ref.env}`, rotates: false, read: () => value };
  }
  return fileSecret(ref.file, first.value);
}

function fileSecret(file: string, initial: string): LiveSecret {
  let seen = stamp(file);
  let value = initial;
  return {
    source: `file ${file}`,
    rotates: true,
    read() {
      const now = stamp(file);
      if (now === undefined || now !== seen) {
        let text: string;
        try {
          text = readFileSync(file, 'utf8').trim();
        } catch (err) {
          throw new Error(`secret file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
        }
        if (text.length === 0) throw new Error(`secret file ${file} is empty`);
        value = text;
        seen = now;
      }
      return value;
    },
  };
}

/** What changes when a file is replaced or rewritten; undefined when it cannot be stat'ed (read() then reports why). */
function stamp(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}
