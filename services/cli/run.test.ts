import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandSpec } from './command';
import type { CliIo } from './context';
import { CliError, EXIT } from './exit-codes';
import { runCli } from './run';

const EXAMPLE = join(import.meta.dirname, '../../docs/examples/joiner.json');

/** Runs the CLI in-process with captured streams and the given environment (no .env, nothing inherited). */
async function cli(argv: string[], opts: { env?: NodeJS.ProcessEnv; commands?: CommandSpec[]; tty?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: opts.tty ?? false },
    env: opts.env ?? {},
    user: 'tester',
  };
  const code = await runCli(argv, io, opts.commands);
  return { code, stdout, stderr };
}

const fake = (name: string, run: CommandSpec['run']): CommandSpec => ({ name, summary: `fake ${name} command`, args: [], examples: [name], run });

describe('jml runner', () => {
  it('jml --help > the overview on stdout, exit 0; bare jml > the overview on stderr, exit 2', async () => {
    const help = await cli(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: jml <command>');
    const bare = await cli([]);
    expect(bare).toMatchObject({ code: 2, stdout: '' });
    expect(bare.stderr).toContain('Usage: jml <command>');
  });

  it('jml help person and jml person --help > the same help, exit 0', async () => {
    const a = await cli(['help', 'person']);
    const b = await cli(['person', '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('Usage: jml person <personKey>');
    expect(b).toEqual(a);
  });

  it('a usage error > exit 2, one line on stderr, nothing on stdout; with --json also an error document on stdout', async () => {
    const plain = await cli(['person']);
    expect(plain).toEqual({ code: 2, stdout: '', stderr: 'jml: jml person needs <personKey>; see jml help person\n' });
    const json = await cli(['frobnicate', '--json']);
    expect(json.code).toBe(2);
    expect(json.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(json.stdout)).toEqual({ error: { exitCode: 2, kind: 'usage', message: expect.stringContaining("unknown command 'frobnicate'") } });
  });

  it('an unexpected error > exit 1, one line without a stack; --verbose adds the stack', async () => {
    const boom = [fake('boom', async () => { throw new Error('the server said no'); })];
    const quiet = await cli(['boom'], { commands: boom });
    expect(quiet).toEqual({ code: 1, stdout: '', stderr: 'jml: the server said no\n' });
    const verbose = await cli(['boom', '--verbose'], { commands: boom });
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/^jml: the server said no\nError: the server said no\n {4}at /);
  });

  it('results > text lines on stdout, or exactly one JSON document with --json; a problem is one stderr line with its exit code', async () => {
    const partial = [fake('part', async () => ({ json: { done: 1, of: 2 }, text: ['approved a', 'not held b'], exitCode: EXIT.refused, problem: '1 of 2 not approved' }))];
    expect(await cli(['part'], { commands: partial })).toEqual({ code: 4, stdout: 'approved a\nnot held b\n', stderr: 'jml: 1 of 2 not approved\n' });
    const json = await cli(['part', '--json'], { commands: partial });
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toEqual({ done: 1, of: 2 });
    const notFound = [fake('gone', async () => { throw new CliError('no person workflow person/x', EXIT.notFound); })];
    expect(await cli(['gone'], { commands: notFound })).toEqual({ code: 3, stdout: '', stderr: 'jml: no person workflow person/x\n' });
  });

  it('send > a missing file is a usage error (2) before anything is read or sent', async () => {
    const r = await cli(['send', '/nonexistent/event.json']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'jml: cannot read /nonexistent/event.json (ENOENT)\n' });
  });

  it('send > no key configured and a gateway off loopback is a usage error (2) that says why', async () => {
    const r = await cli(['send', EXAMPLE], { env: { GATEWAY_HOST: 'gateway.internal', JML_STACK_DIR: '/nonexistent' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^jml: JML_CANONICAL_SECRET is not set \(the development key is only used for a gateway on loopback; GATEWAY_HOST is gateway\.internal\)\n$/);
  });

  it('send > a gateway nobody listens on is a failure (1) naming the address', async () => {
    const port = await closedPort();
    const env = { JML_CANONICAL_SECRET: `whsec_${randomBytes(32).toString('base64')}`, GATEWAY_PORT: String(port) };
    const r = await cli(['send', EXAMPLE, '--json'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`jml: cannot reach the gateway at http://127.0.0.1:${port}/v1/events: ECONNREFUSED\n`);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { exitCode: 1, kind: 'failed' } });
  });

  it('plan > without JML_CONFIG_FILE a usage error (2); an invalid event file too, listing its problems', async () => {
    expect(await cli(['plan', EXAMPLE])).toEqual({ code: 2, stdout: '', stderr: 'jml: JML_CONFIG_FILE is not set: name the policy file to plan with\n' });
    const bad = await cli(['plan', join(import.meta.dirname, '../../package.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^jml: .*package\.json is not a valid JmlEvent v1: .*specversion/);
  });

  it('configuration errors > exit 2 in one line', async () => {
    const r = await cli(['person', 'x'], { env: { GATEWAY_PORT: 'not-a-port' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^jml: invalid configuration: GATEWAY_PORT: [^\n]+\n$/);
  });
});

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
