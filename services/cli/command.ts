import type { CliContext } from './context';
import type { ExitCode } from './exit-codes';

/** An option of a command, as `node:util` parseArgs takes it, plus what help shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's name in help (`--reason <text>`); string options only. */
  value?: string;
  description: string;
}

/** A positional argument; `variadic` takes one or more (only the last may be). */
export interface ArgSpec {
  name: string;
  description: string;
  optional?: boolean;
  variadic?: boolean;
}

/** The parsed command line a command runs with. */
export interface CommandInput {
  values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  positionals: readonly string[];
}

/**
 * What a command produced. The runner prints `json` (with --json, as one document on stdout) or
 * `text` (lines on stdout), then `problem` as one line on stderr, and exits with `exitCode` (0 when
 * absent). Commands never print their results themselves; notes and progress go through the context.
 */
export interface CommandResult {
  json: unknown;
  text: string[];
  exitCode?: ExitCode;
  problem?: string;
}

/**
 * One `jml` command: one module in services/cli/commands/ and one line in its table
 * (commands/index.ts). Help, argument checks and --json come from this description.
 */
export interface CommandSpec {
  name: string;
  /** One line for `jml --help`. */
  summary: string;
  args: readonly ArgSpec[];
  options?: Readonly<Record<string, OptionSpec>>;
  /** Paragraphs of `jml help <command>` after the summary. */
  details?: readonly string[];
  /** Command lines (without the leading `jml `) shown in help. */
  examples: readonly string[];
  /** What the codes other than 0 mean for this command, where it differs from or adds to the general meaning. */
  exits?: Readonly<Partial<Record<ExitCode, string>>>;
  /** Checks beyond the argument count (e.g. options that exclude each other); returns a usage problem. */
  check?(input: CommandInput): string | undefined;
  run(ctx: CliContext, input: CommandInput): Promise<CommandResult>;
}
