// Lint rules that guard the architecture, not just style:
// - core/ and webview/ never import vscode (core runs without VS Code; webviews run in a browser);
// - webview/ never imports tfjs (the engine computes; panels render);
// - no committed .only in tests;
// - the layers of scripts/lint/layers.mjs: which folder may import which (docs/architecture.md).
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './scripts/lint/layers.mjs';

const noVscode = { name: 'vscode', message: 'core/ and webview/ must not depend on VS Code; go through protocol/.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'bench/results/**', 'tmp/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'describe', property: 'only', message: 'Do not commit .only.' },
        { object: 'it', property: 'only', message: 'Do not commit .only.' },
      ],
    },
  },
  {
    files: ['core/**/*.ts', 'protocol/**/*.ts', 'extension/**/*.ts', 'webview/**/*.ts'],
    plugins: { layers: layersPlugin },
    rules: { 'layers/imports': 'error' },
  },
  {
    files: ['core/**/*.ts', 'protocol/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode] }] },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noVscode], patterns: [{ group: ['@tensorflow/*'], message: 'Webviews render; the engine computes.' }] },
      ],
    },
  },
  {
    files: ['protocol/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
);
