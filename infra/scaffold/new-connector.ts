/**
 * `npm run new:connector <id>`: writes `connectors/<id>/`, a working connector for a simple REST
 * JSON app with its in-memory fake and its one-line conformance test, from the templates in
 * `infra/scaffold/template/`. The templates are plain `.tpl` files (neither compiled nor linted);
 * `__ID__` and `__FACTORY__` in their names and contents are replaced. Registering the connector
 * stays a deliberate edit: the command prints the line to add to `connectors/registry.ts`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, parse, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The folder of the project's connectors (the generator's default target root). */
export const CONNECTORS_DIR = join(HERE, '..', '..', 'connectors');
/** The templates of a generated connector. */
export const TEMPLATE_DIR = join(HERE, 'template');

/** Same rule as the SDK's definitionProblems, plus no leading, trailing or doubled dash. */
const ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_ID_LENGTH = 63;
/** A placeholder left in a generated file: `__UPPER_CASE__`. */
export const PLACEHOLDER = /__[A-Z][A-Z_]*__/;

/** Why a connector was not generated; the message is meant for the terminal as it is. */
export class ScaffoldError extends Error {
  override readonly name = 'ScaffoldError';
}

export interface NewConnectorRequest {
  id: string;
  /** Where `<id>/` is written and `registry.ts` is read. Default: the project's `connectors/`. */
  connectorsDir?: string;
  templateDir?: string;
}

export interface NewConnectorResult {
  /** The folder written. */
  dir: string;
  /** Paths written, relative to `dir`, sorted. */
  files: string[];
  /** Name of the generated factory, e.g. `createAcmeHrConnector`. */
  factory: string;
  /** The import and the entry to add to `connectors/registry.ts`. */
  registry: { importLine: string; entryLine: string };
  /** What the author does next, one step a line. */
  nextSteps: string[];
}

/**
 * Validates `id` and writes the connector folder. Throws {@link ScaffoldError} (and writes nothing)
 * when the id is malformed, a file or folder of that name exists in `connectorsDir`, or the
 * registry already has the key.
 */
export function newConnector(req: NewConnectorRequest): NewConnectorResult {
  const connectorsDir = req.connectorsDir ?? CONNECTORS_DIR;
  const templateDir = req.templateDir ?? TEMPLATE_DIR;
  const id = req.id;
  checkId(id);
  const taken = existsSync(connectorsDir) ? readdirSync(connectorsDir).find((name) => parse(name).name === id) : undefined;
  if (taken) throw new ScaffoldError(`connectors/${taken} already exists: pick another id, or edit the existing connector`);
  const registryFile = join(connectorsDir, 'registry.ts');
  if (existsSync(registryFile) && registeredIds(readFileSync(registryFile, 'utf8')).includes(id)) {
    throw new ScaffoldError(`'${id}' is already registered in connectors/registry.ts: pick another id`);
  }

  const factory = factoryName(id);
  const values: Record<string, string> = { __ID__: id, __FACTORY__: factory };
  const fill = (text: string) => text.replace(/__[A-Z][A-Z_]*__/g, (p) => values[p] ?? p);
  const dir = join(connectorsDir, id);
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

  const registry = { importLine: `import { ${factory} } from './${id}';`, entryLine: `  ${/^[a-z][a-z0-9]*$/.test(id) ? id : `'${id}'`}: ${factory},` };
  return {
    dir,
    files: rendered.map((f) => f.path).sort(),
    factory,
    registry,
    nextSteps: [
      `npx vitest run --config vitest.unit.config.ts connectors/${id}   (passes as generated)`,
      `grep -rn "TODO(${id})" connectors/${id}   (paths, payloads, auth, capabilities, README)`,
      `add to connectors/registry.ts:\n      ${registry.importLine}\n    and in CONNECTOR_FACTORIES:\n    ${registry.entryLine}`,
      `read docs/writing-a-connector.md`,
    ],
  };
}

/** Throws a {@link ScaffoldError} unless `id` can name a connector (or, with `kind`, a source). */
export function checkId(id: string, kind: 'connector' | 'source' = 'connector'): void {
  if (!ID.test(id) || id.length > MAX_ID_LENGTH) {
    throw new ScaffoldError(
      `${kind} id '${id}' is not valid: use lowercase letters, digits and single dashes, starting with a letter (at most ${MAX_ID_LENGTH} characters), e.g. 'acme-hr'`,
    );
  }
}

/** `acme-hr` → `createAcmeHrConnector`. */
export function factoryName(id: string): string {
  return `create${id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}Connector`;
}

/** Keys of CONNECTOR_FACTORIES in the text of a registry.ts (`key: createXConnector,` lines). */
export function registeredIds(registrySource: string): string[] {
  return [...registrySource.matchAll(/^\s*(?:'([a-z0-9-]+)'|([a-z][a-z0-9]*))\s*:\s*create\w*Connector\s*,?\s*$/gm)].map((m) => m[1] ?? m[2] ?? '');
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
    console.error('usage: npm run new:connector <id>   (lowercase letters, digits and dashes, e.g. acme-hr)');
    return 2;
  }
  try {
    const result = newConnector({ id });
    console.log(`Created connectors/${id}/:`);
    for (const file of result.files) console.log(`  ${file}`);
    console.log(`\nRegister it in connectors/registry.ts (one line, plus its import):\n  ${result.registry.entryLine.trim()}\n  ${result.registry.importLine}`);
    console.log('\nNext steps:');
    result.nextSteps.forEach((step, i) => console.log(`  ${i + 1}. ${step}`));
    return 0;
  } catch (err) {
    if (!(err instanceof ScaffoldError)) throw err;
    console.error(`new:connector: ${err.message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
