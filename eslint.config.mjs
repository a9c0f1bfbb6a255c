// @ts-check
import tseslint from 'typescript-eslint';
import sandbox from './scripts/eslint-sandbox-imports.mjs';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'test/artifacts/**', 'bin/**', 'scripts/**', 'eslint.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A forgotten await on an activity or a socket write is a silent bug.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises the runner itself awaits.
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // workflows/ runs inside Temporal's deterministic sandbox: no I/O, no clock, no randomness.
    files: ['workflows/**/*.ts'],
    plugins: { sandbox },
    rules: {
      // Run-time imports only from @temporalio/workflow|common, workflows/ and the sandbox-safe
      // modules listed in scripts/eslint-sandbox-imports.mjs; `import type` from anywhere.
      'sandbox/sandbox-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use workflow time (Date in the sandbox is replay-safe, but prefer explicit workflowInfo / timers).' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'No randomness in workflows.' },
      ],
    },
  },
);
