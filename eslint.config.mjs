import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * Imports point inward (docs/ARCHITECTURE.md): core imports nothing of ours; the
 * analyzer and checks import core; adapters import core and never each other; the
 * runner and CLI wire everything. Tests may also use the testing package.
 */
const layers = [
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:core', 'type:domain', 'type:adapter', 'type:app'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:fixture', onlyDependOnLibsWithTags: ['type:fixture', 'type:app'] },
];
// Tests may also use the testing package, and a domain package's tests may run the other
// domain package (the checks are tested on what the analyzer makes of hand-made evidence).
const testExtras = { 'type:domain': ['type:testing', 'type:domain'], 'type:fixture': [] };
const withTesting = layers.map((rule) => ({
  ...rule,
  onlyDependOnLibsWithTags: [...rule.onlyDependOnLibsWithTags, ...(testExtras[rule.sourceTag] ?? ['type:testing'])],
}));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'reports/**', '.nx/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: layers }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: withTesting },
      ],
    },
  },
  {
    // Test runner configs share the workspace's vitest.shared.ts; they are not library code.
    files: ['**/vitest.config.ts', '**/vitest.e2e.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // Apps under test share their UI from fixtures/tools by relative import; they are not
    // part of the harness's layers.
    files: ['fixtures/**/*.js'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        localStorage: 'readonly',
        indexedDB: 'readonly',
        Image: 'readonly',
        fetch: 'readonly',
        crypto: 'readonly',
        TextEncoder: 'readonly',
        Blob: 'readonly',
        CompressionStream: 'readonly',
        Response: 'readonly',
        screen: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  prettier,
);
