/**
 * `npm run build`: the production build in `dist/` (or `--out-dir <dir>`, which must sit inside the
 * clone so that Node finds node_modules from it):
 *
 *   services/main.js               the entry of every role (`jml-pipeline <role>`), one ESM file; packages stay external
 *   services/cli/jml.js            the ops CLI (`jml <command>`; the `jml` bin runs it where the sources are absent), likewise
 *   services/failure-converter.cjs the failure converter, loaded by path (services/temporal/data-converter.ts) next to the
 *                                  entry that resolves it: a copy in services/ and one in services/cli/
 *   workflows/workflow-bundle.js   the Temporal workflow bundle, built here once with that converter; workers load it, never bundle at boot
 *
 * The sources import each other without extensions (resolved by tsx and vitest), which Node's ESM
 * loader does not resolve; tsc would emit them as they are, so esbuild (already tsx's compiler)
 * bundles our own modules into the entry instead. `npm run typecheck` stays the type check.
 */
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import { build } from 'esbuild';
import { WORKFLOW_BUNDLE_FILE } from '../../services/roles/main';
import { FAILURE_CONVERTER_PATH } from '../../services/temporal/data-converter';
import { WORKFLOWS_PATH } from '../../services/worker/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../services/tracing/temporal';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BuildResult {
  outDir: string;
  entry: string;
  cli: string;
  workflowBundle: string;
}

/** Our entries, bundled each into one file under the same relative path in `outDir`. */
const ENTRIES = ['services/main.ts', 'services/cli/jml.ts'];

/** Builds the entries and the workflow bundle into `outDir` (emptied first). */
export async function buildDist(opts: { outDir?: string; say?: (line: string) => void } = {}): Promise<BuildResult> {
  const say = opts.say ?? (() => undefined);
  const entries = await buildEntries(opts);
  const bundleStarted = Date.now();
  const workflowBundle = join(entries.outDir, WORKFLOW_BUNDLE_FILE);
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
    logger: quiet(say),
  });
  await mkdir(dirname(workflowBundle), { recursive: true });
  await writeFile(workflowBundle, code);
  say(`${relative(ROOT, workflowBundle)} (${Math.round(code.length / 1024)} KiB) in ${Date.now() - bundleStarted} ms`);
  return { ...entries, workflowBundle };
}

/** Builds only the entries into `outDir` (emptied first): the part of {@link buildDist} a CLI test needs. */
export async function buildEntries(opts: { outDir?: string; say?: (line: string) => void } = {}): Promise<Omit<BuildResult, 'workflowBundle'>> {
  const say = opts.say ?? (() => undefined);
  const outDir = resolve(ROOT, opts.outDir ?? 'dist');
  const inside = relative(ROOT, outDir);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw new Error(`--out-dir ${outDir} must be a folder inside ${ROOT} (Node looks for node_modules upwards from it)`);
  await rm(outDir, { recursive: true, force: true });

  const [entry, cli] = ENTRIES.map((e) => join(outDir, e.replace(/\.ts$/, '.js'))) as [string, string];
  const started = Date.now();
  await build({
    entryPoints: ENTRIES.map((e) => join(ROOT, e)),
    outdir: outDir,
    outbase: ROOT,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  say(`${relative(ROOT, entry)}, ${relative(ROOT, cli)} in ${Date.now() - started} ms`);
  // Each bundled entry resolves the converter next to itself (import.meta.url is dist/services/main.js, dist/services/cli/jml.js).
  for (const file of [entry, cli]) await copyFile(FAILURE_CONVERTER_PATH, join(dirname(file), basename(FAILURE_CONVERTER_PATH)));
  return { outDir, entry, cli };
}

const quiet = (say: (line: string) => void) => ({
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => say(`workflow bundler: ${message}`),
  error: (message: string) => say(`workflow bundler: ${message}`),
});

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
  buildDist({ ...(values['out-dir'] ? { outDir: values['out-dir'] } : {}), say: (line) => console.log(`[build] ${line}`) }).catch((err: unknown) => {
    console.error(`[build] error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
