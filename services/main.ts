#!/usr/bin/env node
/**
 * The production entry: `node dist/services/main.js <role>` (the package's `jml-pipeline` bin),
 * built by `npm run build`. Reads only the process environment; see README, "Running in production".
 */
import { fileURLToPath } from 'node:url';
import { runRole } from './roles/main';

// The build's root: dist/ for dist/services/main.js, where the prebuilt workflow bundle sits too.
const buildRoot = fileURLToPath(new URL('..', import.meta.url));

process.exitCode = await runRole({ argv: process.argv.slice(2), env: process.env, buildRoot }).catch((err: unknown) => {
  process.stderr.write(`jml-pipeline: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
});
// Open handles (a connection that would not close in time) must not keep a stopped role alive.
process.exit(process.exitCode);
