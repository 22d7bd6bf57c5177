// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/fixtures/**', 'bench/.build/**', '.dependency-cruiser.cjs', '.dependency-cruiser.startup.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'Name exports explicitly; no export *.' }],
    },
  },
  {
    // Only src/config reads the environment (STYLE: config is read once).
    files: ['src/**/*.ts', 'jobs/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config.' }],
    },
  },
  {
    // jobs/ is the contract other services import: no I/O libraries.
    files: ['jobs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['ioredis', 'undici', 'pino', 'node:fs*', 'node:net', 'node:http', '../src/*', '../workers/*'] }],
    },
  },
  {
    // Pure domain folders touch no Redis and no network.
    files: ['src/csv/**/*.ts', 'src/profile/**/*.ts', 'src/plan/**/*.ts', 'src/report/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['ioredis', 'bullmq', 'undici', '../zoho/*', '../ledger/*', '../usecases/*', '../cli/*', '../triggers/*'] }],
    },
  },
);
