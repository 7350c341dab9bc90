import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './args';
import type { CommandSpec } from './command';
import { CliError, EXIT } from './exit-codes';

const run = async () => ({ json: null, text: [] });
const person: CommandSpec = { name: 'person', summary: 's', args: [{ name: 'personKey', description: 'd' }], examples: [], run };
const approve: CommandSpec = {
  name: 'approve',
  summary: 's',
  args: [{ name: 'workflowId', description: 'd', optional: true, variadic: true }],
  options: { all: { type: 'boolean', description: 'd' }, reason: { type: 'string', description: 'd' } },
  examples: [],
  check: ({ values, positionals }) => (values.all === true && positionals.length > 0 ? 'ids or --all, not both' : undefined),
  run,
};
const TABLE = [person, approve];

/** The usage error a command line raises (exit 2), as its message. */
function usageProblem(argv: string[]): string {
  try {
    parseCommandLine(argv, TABLE);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(EXIT.usage);
    return (err as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

describe('jml command line', () => {
  it('a command with its argument > runs it', () => {
    const line = parseCommandLine(['person', 'hr:acme:1'], TABLE);
    expect(line).toMatchObject({ kind: 'run', command: { name: 'person' }, input: { positionals: ['hr:acme:1'] }, globals: { json: false, verbose: false } });
  });

  it('global options > count before the command, after it, and between arguments', () => {
    expect(parseCommandLine(['--json', 'person', 'k'], TABLE).globals).toEqual({ json: true, verbose: false });
    expect(parseCommandLine(['person', 'k', '--json', '--verbose'], TABLE).globals).toEqual({ json: true, verbose: true });
    expect(parseCommandLine(['approve', '--json', 'a', 'b'], TABLE)).toMatchObject({ input: { positionals: ['a', 'b'] }, globals: { json: true } });
  });

  it('command options > reach the command with their values', () => {
    expect(parseCommandLine(['approve', '--all', '--reason', 'reorg'], TABLE)).toMatchObject({ input: { values: { all: true, reason: 'reorg' }, positionals: [] } });
  });

  it('help > overview for jml --help and jml help; bare jml is marked (a usage error); a command\'s help by both spellings', () => {
    expect(parseCommandLine([], TABLE)).toMatchObject({ kind: 'overview', bare: true });
    expect(parseCommandLine(['--help'], TABLE)).toMatchObject({ kind: 'overview', bare: false });
    expect(parseCommandLine(['-h'], TABLE)).toMatchObject({ kind: 'overview', bare: false });
    expect(parseCommandLine(['help'], TABLE)).toMatchObject({ kind: 'overview', bare: false });
    expect(parseCommandLine(['help', 'approve'], TABLE)).toMatchObject({ kind: 'help', command: { name: 'approve' } });
    // Help wins over missing arguments: `jml person --help` must not complain about <personKey>.
    expect(parseCommandLine(['person', '--help'], TABLE)).toMatchObject({ kind: 'help', command: { name: 'person' } });
  });

  it('usage errors > name the problem and where to look, in one line', () => {
    expect(usageProblem(['frobnicate'])).toBe("unknown command 'frobnicate'; commands: person, approve (jml --help)");
    expect(usageProblem(['help', 'frobnicate'])).toMatch(/^unknown command 'frobnicate'/);
    expect(usageProblem(['person'])).toBe('jml person needs <personKey>; see jml help person');
    expect(usageProblem(['person', 'a', 'b'])).toBe("jml person takes at most 1 argument, got 'b'; see jml help person");
    expect(usageProblem(['person', 'k', '--bogus'])).toBe('unknown option --bogus for jml person; see jml help person');
    expect(usageProblem(['--bogus', 'person', 'k'])).toBe('unknown option --bogus; see jml --help');
    expect(usageProblem(['approve', '--reason'])).toBe('option --reason needs a value; see jml help approve');
    expect(usageProblem(['approve', '--all=yes'])).toBe('option --all takes no value; see jml help approve');
    expect(usageProblem(['approve', '--all', 'x'])).toBe('ids or --all, not both; see jml help approve');
    for (const argv of [['frobnicate'], ['person'], ['person', 'k', '--bogus'], ['approve', '--reason']]) expect(usageProblem(argv)).not.toContain('\n');
  });
});
