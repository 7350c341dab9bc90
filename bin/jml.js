#!/usr/bin/env node
// The package's `jml` bin (`npm link`, `npx jml`). In a clone the TypeScript sources are here and
// run through tsx (a runtime dependency), so the CLI never lags behind the code; a deployment of the
// build (dist/ with node_modules, no sources) runs dist/services/cli/jml.js. The CLI reads
// process.argv itself and sets the exit code.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = `${root}services/cli/jml.ts`;
const built = `${root}dist/services/cli/jml.js`;

if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: `${root}tsconfig.json` });
  await import(pathToFileURL(source).href);
} else if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  process.stderr.write(`jml: neither ${source} nor ${built} exists (npm run build makes the latter)\n`);
  process.exit(1);
}
