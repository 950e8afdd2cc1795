import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// The module ships alone: inside src/sms nothing imports from outside it (each depth climbs to src/ its own way).
const leavesTheModule = (depth) => ({
  group: [`${'../'.repeat(depth)}*`, `${'../'.repeat(depth)}**`],
  message: 'src/sms is the package: it may not import code outside src/sms.',
});
// Outside the module, only its public entries: src/sms (index.ts) and src/sms/testing.
const moduleInternals = {
  regex: '(^|/)sms/(?!testing$|index$)[^/]+',
  message: "Import the module through its public entry ('…/sms' or '…/sms/testing'), as any host would.",
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-bench/',
      'dist-nest-check/',
      'node_modules/',
      'var/',
      'coverage/',
      'jest.config.js',
      'examples/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Layout belongs to Prettier (npm run format); ESLint keeps to correctness.
  prettier,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  { files: ['src/sms/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [leavesTheModule(1)] }] } },
  { files: ['src/sms/*/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [leavesTheModule(2)] }] } },
  { files: ['src/sms/*/*/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [leavesTheModule(3)] }] } },
  {
    // The reference helpdesk, its console and its app are a host like any other.
    files: ['src/**/*.ts'],
    ignores: ['src/sms/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [moduleInternals] }] },
  },
  {
    // The console's small page scripts run in the browser.
    files: ['src/console/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
