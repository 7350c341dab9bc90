import { parseArgs } from 'node:util';
import type { CommandInput, CommandSpec, OptionSpec } from './command';
import { usageError } from './exit-codes';

/** Options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', description: 'machine-readable output: one JSON document on stdout (errors too)' },
  verbose: { type: 'boolean', description: 'print the stack trace of an unexpected error' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export interface GlobalFlags {
  json: boolean;
  verbose: boolean;
}

/** What a command line asks for. */
export type CommandLine =
  | { kind: 'overview'; globals: GlobalFlags; bare: boolean }
  | { kind: 'help'; command: CommandSpec; globals: GlobalFlags }
  | { kind: 'run'; command: CommandSpec; input: CommandInput; globals: GlobalFlags };

/**
 * Parses `jml [global options] <command> [arguments and options]` against the command table.
 * Global options may stand anywhere. `jml`, `jml help` and `jml --help` ask for the overview
 * (`bare` for the first, which is a usage error); `jml help <command>` and `jml <command> --help`
 * for a command's help. Throws a usage error (exit 2) naming the problem.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly CommandSpec[]): CommandLine {
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const leading = at === -1 ? argv : argv.slice(0, at);
  const globals = parseGlobals(leading);
  if (at === -1) return { kind: 'overview', globals, bare: !leading.some((a) => a === '--help' || a === '-h') };
  const name = argv[at] as string;
  const rest = argv.slice(at + 1);
  if (name === 'help') {
    const parsed = parseOptions(rest, {}, 'help');
    const more = { json: globals.json || parsed.values.json === true, verbose: globals.verbose || parsed.values.verbose === true };
    const [target, ...extra] = parsed.positionals;
    if (extra.length > 0) throw usageError('jml help takes one command name');
    if (target === undefined) return { kind: 'overview', globals: more, bare: false };
    return { kind: 'help', command: findCommand(target, commands), globals: more };
  }
  const command = findCommand(name, commands);
  const { values, positionals } = parseOptions(rest, command.options ?? {}, name);
  const all = { json: globals.json || values.json === true, verbose: globals.verbose || values.verbose === true };
  if (values.help === true) return { kind: 'help', command, globals: all };
  const input: CommandInput = { values, positionals };
  const problem = positionalProblem(command, positionals) ?? command.check?.(input);
  if (problem) throw usageError(`${problem}; see jml help ${command.name}`);
  return { kind: 'run', command, input, globals: all };
}

function parseGlobals(args: readonly string[]): GlobalFlags {
  const { values } = parseOptions(args, {}, undefined);
  return { json: values.json === true, verbose: values.verbose === true };
}

function findCommand(name: string, commands: readonly CommandSpec[]): CommandSpec {
  const command = commands.find((c) => c.name === name);
  if (!command) throw usageError(`unknown command '${name}'; commands: ${commands.map((c) => c.name).join(', ')} (jml --help)`);
  return command;
}

/** parseArgs, strict, with the global options added, and its errors turned into short usage errors. */
function parseOptions(args: readonly string[], options: Readonly<Record<string, OptionSpec>>, command: string | undefined): CommandInput {
  const config = Object.fromEntries(
    Object.entries({ ...GLOBAL_OPTIONS, ...options }).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
  try {
    const { values, positionals } = parseArgs({ args: [...args], options: config, allowPositionals: true, strict: true });
    return { values: values as CommandInput['values'], positionals };
  } catch (err) {
    throw usageError(parseArgsProblem(err, command));
  }
}

/** parseArgs's messages are long and name its own syntax; ours name the option and where to look. */
function parseArgsProblem(err: unknown, command: string | undefined): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const option = /'([^']+)'/.exec(message)?.[1]?.split(' ')[0];
  const see = command ? `jml help ${command}` : 'jml --help';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option ?? message}${command ? ` for jml ${command}` : ''}; see ${see}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return message.includes('argument missing') ? `option ${option} needs a value; see ${see}` : `option ${option} takes no value; see ${see}`;
  }
  return `${message.split('\n')[0]}; see ${see}`;
}

function positionalProblem(command: CommandSpec, positionals: readonly string[]): string | undefined {
  const required = command.args.filter((a) => !a.optional);
  const variadic = command.args.some((a) => a.variadic);
  if (positionals.length < required.length) {
    const missing = required.slice(positionals.length).map((a) => `<${a.name}>`);
    return `jml ${command.name} needs ${missing.join(' ')}`;
  }
  if (!variadic && positionals.length > command.args.length) {
    return `jml ${command.name} takes ${command.args.length === 0 ? 'no arguments' : `at most ${command.args.length} argument${command.args.length > 1 ? 's' : ''}`}, got '${positionals.slice(command.args.length).join(' ')}'`;
  }
  return undefined;
}
