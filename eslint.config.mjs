// @ts-check
import js from '@eslint/js';
import sdl from '@microsoft/eslint-plugin-sdl';
import security from 'eslint-plugin-security';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdk.out/',
      '.stockade/',
      'coverage/',
      'bench/.out/',
      'docs/api/scalar-standalone.js',
    ] /* the Scalar bundle npm run openapi copies from node_modules */,
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  security.configs.recommended,
  ...sdl.configs.common,
  ...sdl.configs.node,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      // Index access on typed maps/records is everywhere in CDK and DynamoDB code and is covered by noUncheckedIndexedAccess.
      'security/detect-object-injection': 'off',
    },
  },
  {
    // zod comes from shared/validation/zod only: zod/mini's functional API, tree-shaken to what a bundle uses, with
    // zod's English messages installed. Classic zod ('zod') would add ~444 KiB to every function that imports it.
    files: ['**/*.ts'],
    ignores: ['shared/validation/zod.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'zod', message: 'Import * as z from shared/validation/zod (zod/mini with English messages).' }],
          patterns: [{ group: ['zod/*'], message: 'Import * as z from shared/validation/zod (zod/mini with English messages).' }],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The local runtime, CLIs, benchmarks and tests talk to people through the console and to loopback over http.
    files: ['local/**', 'bench/**', 'test/**', 'bin/**'],
    rules: { 'no-console': 'off', '@microsoft/sdl/no-insecure-url': 'off' },
  },
  {
    // File paths here come from the synthesized cloud assembly and our own temp dirs, not from requests.
    files: ['local/**', 'bench/**', 'test/**', 'lib/**'],
    rules: { 'security/detect-non-literal-fs-filename': 'off' },
  },
);
