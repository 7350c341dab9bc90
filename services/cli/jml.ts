#!/usr/bin/env node
/**
 * The `jml` CLI: `jml <command>` (the package bin, bin/jml.js), `npm run jml -- <command>`, or
 * `node dist/services/cli/jml.js <command>` from the build. Commands: services/cli/commands/;
 * options, output and exit codes: docs/cli.md and `jml --help`.
 */
import { userInfo } from 'node:os';
import { loadDotEnv } from '../config';
import { runCli } from './run';

loadDotEnv();
const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, user: currentUser() });
// Let what was written reach a pipe before exiting; exit so that no stray handle keeps the CLI alive.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write('', resolve))));
process.exit(code);

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
