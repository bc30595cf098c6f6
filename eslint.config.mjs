// Lint rules: typescript-eslint's recommended set, plus the house rules a
// linter can check: src/core never imports the editor, and the front ends
// (the CLI and the extension) enter the core only through core/app and never
// import each other or the servers; the receiver's HTTP adapter enters it
// only through core/receive; each native addon is imported by one module
// alone, so that a swap is a one-file change; and zod is imported by
// core/schema.ts alone, which applies its English messages.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const editorOnly = { name: 'vscode', message: 'Only src/vscode may import vscode.' };
const coreThroughAppOnly = { group: ['**/core/*', '!**/core/app'], message: 'Front ends enter the core only through core/app.' };
const otherFrontEnd = 'A front end never imports another front end or a server: ask core/app.';
const onlyThrough = (name, file) => ({ group: [name, `${name}/*`], message: `Only ${file} imports ${name}, so that a swap is a one-file change.` });
const sqlite3Only = onlyThrough('sqlite3', 'src/core/store/database.ts');
const zstdOnly = onlyThrough('zstd-napi', 'src/core/chunk/zstd.ts');
const zodOnly = { group: ['zod', 'zod/*'], message: 'zod is loaded through core/schema.ts, which applies its English messages: import * as z from it (a front end takes z from its door).' };

export default tseslint.config(
  { ignores: ['dist/', 'media/dist/', 'node_modules/', '.tools/', 'out/', '*.vsix', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    rules: {
      'no-restricted-imports': ['error', { patterns: [zodOnly] }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/registry/**/*.ts', 'src/receiver/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [editorOnly], patterns: [sqlite3Only, zstdOnly, zodOnly] }],
    },
  },
  {
    files: ['src/core/schema.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [editorOnly], patterns: [sqlite3Only, zstdOnly] }],
    },
  },
  {
    files: ['src/core/store/database.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [editorOnly], patterns: [zstdOnly, zodOnly] }],
    },
  },
  {
    files: ['src/core/chunk/zstd.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [editorOnly], patterns: [sqlite3Only, zodOnly] }],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [editorOnly], patterns: [coreThroughAppOnly, sqlite3Only, zstdOnly, zodOnly, { group: ['**/receiver/*', '**/registry/*', '**/vscode/*'], message: otherFrontEnd }] }],
    },
  },
  {
    files: ['src/vscode/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [coreThroughAppOnly, sqlite3Only, zstdOnly, zodOnly, { group: ['**/receiver/*', '**/registry/*', '**/cli/*'], message: otherFrontEnd }] }],
    },
  },
  {
    files: ['src/receiver/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [editorOnly], patterns: [sqlite3Only, zstdOnly, zodOnly, { group: ['**/core/*', '!**/core/receive'], message: 'The receiver adapter enters the core only through core/receive.' }] },
      ],
    },
  },
  {
    files: ['**/*.mjs', 'media/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
