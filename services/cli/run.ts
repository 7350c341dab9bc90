import { parseCommandLine, type CommandLine, type GlobalFlags } from './args';
import type { CommandSpec } from './command';
import { COMMANDS } from './commands';
import { createContext, type CliIo } from './context';
import { errorLine, EXIT, EXIT_KIND, exitCodeOf, type ExitCode } from './exit-codes';
import { renderCommandHelp, renderOverview } from './help';

/**
 * Runs one `jml` command line and returns its exit code (docs/cli.md). Results go to stdout (lines,
 * or one JSON document with --json), notes, progress and errors to stderr; an error is one line
 * (`jml: <message>`) and its stack only with --verbose. Never exits the process: the entry does.
 */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly CommandSpec[] = COMMANDS): Promise<ExitCode> {
  // Before parsing succeeds, --json and --verbose are taken from the raw words (for the error's form).
  let globals: GlobalFlags = { json: argv.includes('--json'), verbose: argv.includes('--verbose') };
  const out = (text: string) => void io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const fail = (err: unknown): ExitCode => {
    const code = exitCodeOf(err);
    const line = errorLine(err);
    io.stderr.write(`jml: ${line}\n`);
    if (globals.verbose && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    if (globals.json) out(JSON.stringify({ error: { exitCode: code, kind: EXIT_KIND[code], message: line } }, null, 2));
    return code;
  };

  let line: CommandLine;
  try {
    line = parseCommandLine(argv, commands);
  } catch (err) {
    return fail(err);
  }
  globals = line.globals;
  if (line.kind === 'overview') {
    // A bare `jml` is a usage error: the overview goes to stderr, where errors go.
    if (line.bare) {
      io.stderr.write(renderOverview(commands));
      return EXIT.usage;
    }
    out(renderOverview(commands));
    return EXIT.ok;
  }
  if (line.kind === 'help') {
    out(renderCommandHelp(line.command));
    return EXIT.ok;
  }

  const ctx = createContext(io, globals);
  try {
    const result = await line.command.run(ctx, line.input);
    if (globals.json) out(JSON.stringify(result.json, null, 2));
    else if (result.text.length > 0) out(result.text.join('\n'));
    if (result.problem) io.stderr.write(`jml: ${result.problem}\n`);
    return result.exitCode ?? EXIT.ok;
  } catch (err) {
    return fail(err);
  } finally {
    await ctx.close().catch(() => undefined);
  }
}
