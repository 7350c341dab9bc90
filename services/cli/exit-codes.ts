import { WorkflowNotFoundError } from '@temporalio/common';

/**
 * The exit codes of every `jml` command (docs/cli.md, `jml --help`). Scripts branch on them, so a
 * code keeps its meaning once published; new meanings get new numbers.
 */
export const EXIT = {
  /** The command did what was asked. */
  ok: 0,
  /** The operation failed (a server unreachable, an unexpected answer): retrying later may help. */
  failed: 1,
  /** The command line or the configuration is wrong; nothing was done. */
  usage: 2,
  /** What the command names does not exist (a person, a workflow, an employee's events). */
  notFound: 3,
  /** Refused, or done only in part (the gateway refused the event; some events were not held). */
  refused: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The name of each exit code in `--json` error documents. */
export const EXIT_KIND: Readonly<Record<ExitCode, string>> = { 0: 'ok', 1: 'failed', 2: 'usage', 3: 'not-found', 4: 'refused' };

/** One line per code, for `jml --help` and every command's help. */
export const EXIT_MEANING: Readonly<Record<ExitCode, string>> = {
  0: 'done',
  1: 'the operation failed (a server unreachable, an unexpected answer); retrying may help',
  2: 'usage or configuration error; nothing was done',
  3: 'not found',
  4: 'refused, or done only in part',
};

/** An error a command reports on purpose, with the exit code it stands for. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);

/** Errors of our configuration readers (coded, see services/config.ts, policy/load.ts, temporal/data-converter.ts): fix the setup, not a retry. */
const CONFIGURATION_CODES = new Set(['CONFIG_INVALID', 'POLICY_INVALID', 'CODEC_UNCONFIGURED']);

/** The exit code an error stands for: its own for a {@link CliError}, 2 for configuration problems, 3 for a missing workflow, else 1. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof WorkflowNotFoundError) return EXIT.notFound;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONFIGURATION_CODES.has(code)) return EXIT.usage;
  return EXIT.failed;
}

/**
 * An error as one line: our configuration errors list their problems on indented `- ` lines, which
 * become `; `-separated here, so stderr gets exactly one line per failure.
 */
export function errorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const [head = '', ...rest] = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return rest.length === 0 ? head : `${head} ${rest.map((l) => l.replace(/^- /, '')).join('; ')}`;
}
