// Lint rules that protect our contracts; style is left to the formatter.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/', '.jml/', 'schemas/json/'] },
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
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node builtins, no I/O
    // libraries, and only type imports from code that runs outside the sandbox.
    files: ['workflows/**/*.ts'],
    // Tests of workflows run in Node, not in the sandbox.
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Node builtins cannot run in the workflow sandbox; use an activity.' })),
            ...['kafkajs', 'ioredis', 'pino', 'fastify', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map((name) => ({
              name,
              message: 'I/O libraries cannot run in the workflow sandbox; use an activity.',
            })),
          ],
          patterns: [
            {
              group: ['**/services/**', '**/connectors/**', '**/infra/**'],
              allowTypeImports: true,
              message: 'Workflows may only import types from activities, connectors and services.',
            },
          ],
        },
      ],
    },
  },
  {
    // CLIs and the stack manager talk to a terminal on purpose.
    files: ['infra/**/*.ts', 'services/start.ts', 'services/cli/**/*.ts', 'bench/**/*.ts', 'schemas/export.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
