// Type-aware lint for the whole project, plus the rule that keeps workflows/ deterministic:
// workflow code may not import Node built-ins or any module that does I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tools/**', '.data/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Workflows must be deterministic: no Node built-ins.',
            })),
            { name: 'pino', message: 'Workflows log through @temporalio/workflow log.' },
            { name: 'ldapts', message: 'Workflows do no I/O: call an activity.' },
            { name: 'yaml', message: 'Workflows do no I/O: call an activity.' },
          ],
          patterns: [
            {
              group: ['../connectors/*', '../activities/*', '../workers/*', '../api/*', '../config/*'],
              allowTypeImports: true,
              message: 'Workflows import only activity types, domain and Temporal workflow APIs.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'fetch', 'process'],
    },
  },
);
