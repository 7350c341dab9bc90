// Lint rules that protect our contracts; style is left to the formatter.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/**
 * Which of our top-level folders may import which (README "Layout"; test/lint/directions.test.ts
 * proves each rule fires). Type-only imports count: a type import still couples the folders.
 * - `schemas/` is the leaf: wire schemas and the contracts everyone shares; it imports nothing of ours.
 * - `connectors/` → schemas; `sources/` → schemas and the connector SDK (its HTTP client);
 * - `workflows/` → schemas only (sandbox code; the contracts it needs are in schemas/contracts);
 * - `services/` → schemas, connectors, sources; never workflows (it loads the bundle by path) or infra;
 * - `infra/`, `test/`, `bench/` → anything.
 * Only test code (`*.test.ts`, `testing/` folders) may import `test/` helpers.
 */
const ourFolders = ['schemas', 'connectors', 'sources', 'workflows', 'services', 'infra', 'bench', 'test'];
/** A relative import that climbs out to the repository root and into `folder` (optionally only some sub-paths). */
const into = (folder, rest = '(/|$)') => `^(\\.\\./)+${folder}${rest}`;
const directions = {
  schemas: { allowed: [], message: 'schemas/ is the leaf everyone depends on: it imports nothing of ours outside schemas/.' },
  connectors: { allowed: ['schemas'], message: 'connectors/ may import only schemas/ (and itself).' },
  sources: {
    allowed: ['schemas', 'connectors'],
    extra: [{ regex: into('connectors', '(/?$|/(?!sdk(/|$)))'), message: 'sources/ may import only the connector SDK (connectors/sdk) of connectors/.' }],
    message: 'sources/ may import only schemas/ and connectors/sdk.',
  },
  workflows: { allowed: ['schemas'], message: 'Workflows run in the sandbox and may import only schemas/ (contracts are in schemas/contracts).' },
  services: { allowed: ['schemas', 'connectors', 'sources'], message: 'services/ may import schemas/, connectors/ and sources/; never workflows/ (load the bundle by path) or infra/ (infra calls services).' },
};
const testFiles = (folder) => [`${folder}/**/*.test.ts`, `${folder}/**/testing/**/*.ts`];
/** The direction patterns of one folder; `forTests` lets test code import test/ helpers. */
const directionPatterns = (folder, forTests) => {
  const { allowed, message, extra = [] } = directions[folder];
  const forbidden = ourFolders.filter((f) => f !== folder && !allowed.includes(f) && !(forTests && f === 'test'));
  return [{ regex: `^(\\.\\./)+(${forbidden.join('|')})(/|$)`, message }, ...extra];
};
const sandboxPaths = [
  ...nodeBuiltins.map((name) => ({ name, message: 'Node builtins cannot run in the workflow sandbox; use an activity.' })),
  ...['kafkajs', 'ioredis', 'pino', 'fastify', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map((name) => ({
    name,
    message: 'I/O libraries cannot run in the workflow sandbox; use an activity.',
  })),
];
/** Lint entries enforcing `directions`: production code of each folder, then its test code. */
const directionConfigs = Object.keys(directions).flatMap((folder) => [
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node builtins, no I/O libraries.
    files: [`${folder}/**/*.ts`],
    ignores: testFiles(folder),
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: folder === 'workflows' ? sandboxPaths : [], patterns: directionPatterns(folder, false) }],
    },
  },
  {
    // Tests run in Node, not in the sandbox, and may use test/ helpers; the directions still hold.
    files: testFiles(folder),
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: directionPatterns(folder, true) }] },
  },
]);

export default tseslint.config(
  { ignores: ['node_modules/', '.jml/', 'dist/', 'schemas/json/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  ...directionConfigs,
  {
    // CLIs, the drill runner and the stack manager talk to a terminal on purpose.
    files: ['infra/**/*.ts', 'services/cli/**/*.ts', 'bench/**/*.ts', 'schemas/export.ts', 'test/drills/run.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // CommonJS modules the Temporal SDK loads by path with require() (services/temporal/failure-converter.cjs).
    files: ['**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable', module: 'writable' } },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
