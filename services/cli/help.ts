import { GLOBAL_OPTIONS } from './args';
import type { CommandSpec, OptionSpec } from './command';
import { EXIT_MEANING, type ExitCode } from './exit-codes';

const usageArgs = (c: CommandSpec): string =>
  c.args.map((a) => `${a.optional ? '[' : ''}<${a.name}>${a.variadic ? '...' : ''}${a.optional ? ']' : ''}`).join(' ');

/** `jml --help`: every command, the global options and the exit codes. */
export function renderOverview(commands: readonly CommandSpec[]): string {
  const rows = commands.map((c) => [`${c.name} ${usageArgs(c)}`.trim(), c.summary] as const);
  return [
    'jml: operate the jml-pipeline (docs/cli.md)',
    '',
    'Usage: jml <command> [arguments] [options]',
    '',
    'Commands:',
    ...table(rows),
    '',
    'Options of every command:',
    ...table(optionRows(GLOBAL_OPTIONS)),
    '',
    'Exit codes:',
    ...table(exitRows(undefined)),
    '',
    'jml help <command> (or jml <command> --help) shows its options and examples.',
    '',
  ].join('\n');
}

/** `jml help <command>`: usage, arguments, options, examples and exit codes. */
export function renderCommandHelp(c: CommandSpec): string {
  const hasOptions = Object.keys(c.options ?? {}).length > 0;
  const lines = [`jml ${c.name}: ${c.summary}`, '', `Usage: jml ${c.name} ${usageArgs(c)}${hasOptions ? ' [options]' : ''} [--json]`.replace(/ {2,}/g, ' ')];
  if (c.details?.length) lines.push('', ...c.details.flatMap((d, i) => (i === 0 ? [d] : ['', d])));
  if (c.args.length > 0) lines.push('', 'Arguments:', ...table(c.args.map((a) => [`<${a.name}>${a.variadic ? '...' : ''}`, a.description] as const)));
  lines.push('', 'Options:', ...table(optionRows({ ...(c.options ?? {}), ...GLOBAL_OPTIONS })));
  if (c.examples.length > 0) lines.push('', 'Examples:', ...c.examples.map((e) => `  jml ${e}`));
  lines.push('', 'Exit codes:', ...table(exitRows(c.exits ?? {})), '');
  return lines.join('\n');
}

function optionRows(options: Readonly<Record<string, OptionSpec>>): Array<readonly [string, string]> {
  return Object.entries(options).map(([name, o]) => [`${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`, o.description] as const);
}

/** Every code (the overview), or 0 to 2 and those a command names (its help). */
function exitRows(specific: Readonly<Partial<Record<ExitCode, string>>> | undefined): Array<readonly [string, string]> {
  const codes = Object.keys(EXIT_MEANING).map(Number) as ExitCode[];
  return codes.filter((code) => !specific || code <= 2 || specific[code] !== undefined).map((code) => [String(code), specific?.[code] ?? EXIT_MEANING[code]] as const);
}

function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
