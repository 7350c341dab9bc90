/**
 * `npm run new:source <id>`: writes `sources/<id>/`, a working source for a simple signed JSON
 * webhook with golden fixtures and its one-line source conformance test, from the templates in
 * `infra/scaffold/source-template/`. Placeholders (`__ID__`, `__CAMEL__`, `__PASCAL__`, `__ENV__`,
 * `__TITLE__`, and `__SDK__`/`__SCHEMAS__` for import paths) are replaced in names and contents.
 * Registering the source stays a deliberate edit: the command prints the line for `sources/registry.ts`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, parse, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkId, PLACEHOLDER, ScaffoldError } from './new-connector';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The folder of the project's sources (the generator's default target root). */
export const SOURCES_DIR = join(HERE, '..', '..', 'sources');
/** The templates of a generated source. */
export const SOURCE_TEMPLATE_DIR = join(HERE, 'source-template');
const SCHEMAS_DIR = join(HERE, '..', '..', 'schemas');

export interface NewSourceRequest {
  id: string;
  /** Where `<id>/` is written and `registry.ts` is read. Default: the project's `sources/`. */
  sourcesDir?: string;
  templateDir?: string;
}

export interface NewSourceResult {
  dir: string;
  /** Paths written, relative to `dir`, sorted. */
  files: string[];
  /** The exported definition, e.g. `acmeHrSource`. */
  exportName: string;
  /** The import and the entry to add to `sources/registry.ts`. */
  registry: { importLine: string; entryLine: string };
  nextSteps: string[];
}

/**
 * Validates `id` and writes the source folder. Throws {@link ScaffoldError} (and writes nothing) when
 * the id is malformed, a file or folder of that name exists in `sourcesDir`, or the registry has it.
 */
export function newSource(req: NewSourceRequest): NewSourceResult {
  const sourcesDir = req.sourcesDir ?? SOURCES_DIR;
  const templateDir = req.templateDir ?? SOURCE_TEMPLATE_DIR;
  const { id } = req;
  checkId(id, 'source');
  const taken = existsSync(sourcesDir) ? readdirSync(sourcesDir).find((name) => parse(name).name === id) : undefined;
  if (taken) throw new ScaffoldError(`sources/${taken} already exists: pick another id, or edit the existing source`);
  const registryFile = join(sourcesDir, 'registry.ts');
  if (existsSync(registryFile) && registeredSourceIds(readFileSync(registryFile, 'utf8')).includes(id)) {
    throw new ScaffoldError(`'${id}' is already registered in sources/registry.ts: pick another id`);
  }

  const dir = join(sourcesDir, id);
  const pascal = id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  const camel = pascal.charAt(0).toLowerCase() + pascal.slice(1);
  const importPath = (to: string) => relative(dir, to).split(sep).join('/');
  const values: Record<string, string> = {
    __ID__: id,
    __PASCAL__: pascal,
    __CAMEL__: camel,
    __ENV__: id.toUpperCase().replace(/-/g, '_'),
    __TITLE__: id
      .split('-')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join(' '),
    __SDK__: importPath(join(SOURCES_DIR, 'sdk')),
    __SCHEMAS__: importPath(SCHEMAS_DIR),
  };
  const fill = (text: string) => text.replace(/__[A-Z][A-Z_]*?__/g, (p) => values[p] ?? p);
  const rendered = templateFiles(templateDir).map((file) => {
    const path = fill(file.replace(/\.tpl$/, ''));
    const text = fill(readFileSync(join(templateDir, file), 'utf8'));
    const left = PLACEHOLDER.exec(path) ?? PLACEHOLDER.exec(text);
    if (left) throw new ScaffoldError(`template ${file} uses unknown placeholder ${left[0]}`);
    return { path, text };
  });
  for (const { path, text } of rendered) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text, { flag: 'wx' });
  }

  const exportName = `${camel}Source`;
  const registry = { importLine: `import { ${exportName} } from './${id}';`, entryLine: `  ${/^[a-z][a-z0-9]*$/.test(id) ? id : `'${id}'`}: ${exportName},` };
  return {
    dir,
    files: rendered.map((f) => f.path).sort(),
    exportName,
    registry,
    nextSteps: [
      `npx vitest run --config vitest.unit.config.ts sources/${id}   (passes as generated)`,
      `grep -rn "TODO(${id})" sources/${id}   (signature, payload, classification, settings, golden fixtures)`,
      `add to sources/registry.ts:\n      ${registry.importLine}\n    and in SOURCES:\n    ${registry.entryLine}`,
      'read docs/writing-a-source.md',
    ],
  };
}

/** Keys of SOURCES in the text of a registry.ts (`key: xSource,` lines). */
export function registeredSourceIds(registrySource: string): string[] {
  return [...registrySource.matchAll(/^\s*(?:'([a-z0-9-]+)'|([a-z][a-z0-9]*))\s*:\s*\w+Source\s*,?\s*$/gm)].map((m) => m[1] ?? m[2] ?? '');
}

/** Every file below `dir`, as paths relative to it. */
function templateFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile())
    .map((name) => relative(dir, join(dir, name)));
}

/** The CLI: prints what it wrote and the registry line, or the refusal; returns the exit code. */
export function main(argv: readonly string[]): number {
  const [id, extra] = argv;
  if (id === undefined || extra !== undefined) {
    console.error('usage: npm run new:source <id>   (lowercase letters, digits and dashes, e.g. hibob)');
    return 2;
  }
  try {
    const result = newSource({ id });
    console.log(`Created sources/${id}/:`);
    for (const file of result.files) console.log(`  ${file}`);
    console.log(`\nRegister it in sources/registry.ts (one line, plus its import):\n  ${result.registry.entryLine.trim()}\n  ${result.registry.importLine}`);
    console.log('\nNext steps:');
    result.nextSteps.forEach((step, i) => console.log(`  ${i + 1}. ${step}`));
    return 0;
  } catch (err) {
    if (!(err instanceof ScaffoldError)) throw err;
    console.error(`new:source: ${err.message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
