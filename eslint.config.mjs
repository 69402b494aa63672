/**
 * ESLint (npm run lint), shaped like the VS Code extension samples' config: @eslint/js and
 * typescript-eslint recommended, plus the rules this codebase relies on:
 * - the layers (DESIGN: `core` and the CLI know no VS Code; the webview runs in a browser);
 * - no floating promises (type-aware): a promise nobody awaits loses its error;
 * - no unused variables or imports.
 */
// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist', 'out', 'node_modules', '.cache', 'test-artifacts'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // Plain .js files here are CommonJS (the harness's throwaway extension): require is how they import.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test runs a top-level test() whether or not its promise is awaited.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Matching control characters is the point where it happens: terminal-safe output, ANSI
      // colour codes and NULs in pasted dumps.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/core/**', 'src/cli.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'core and the CLI run without VS Code: only src/vscode and src/extension.ts import it.' }] }],
    },
  },
  {
    files: ['src/webview/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: 'The webview runs in a browser: no Node built-ins.' })),
          patterns: [{ group: ['node:*'], message: 'The webview runs in a browser: no Node built-ins.' }],
        },
      ],
    },
  },
);
