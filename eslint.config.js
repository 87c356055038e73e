// ESLint for the TypeScript sources (src, scripts, bench, tests, e2e): the recommended JS and TypeScript rules, and React's hooks
// rules (dependencies of effects and memos, hooks called unconditionally) for the app.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/** Import paths that reach into src/<folder>/ from anywhere. */
function folderGlobs(folders) {
  return folders.flatMap((f) => [`**/${f}`, `**/${f}/**`]);
}

/**
 * One config per folder below the page: importing a folder of a higher layer, or another folder
 * of the same layer, is an error (types included: a type import is a dependency too).
 */
function layerRules(layers) {
  return layers.slice(0, -1).flatMap((layer, i) => layer.map((folder) => {
    const forbidden = [...layers.slice(i + 1).flat(), ...layer.filter((f) => f !== folder)];
    return {
      files: [`src/${folder}/**/*.{ts,tsx}`],
      rules: {
        '@typescript-eslint/no-restricted-imports': ['error', {
          patterns: [{
            group: folderGlobs(forbidden),
            message: `src/${folder}/ may import only from the layers below it (docs/architecture.md).`,
          }],
        }],
      },
    };
  }));
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The hooks rules for the React app only (the model library has a `useBackend` that is no hook).
    files: ['src/app/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  // The layers of src/ (docs/architecture.md), lowest first. A folder may import from the layers
  // below its own and from nothing above it or beside it; the rule is generated from this table.
  ...layerRules([
    ['geometry'],
    ['backend'],
    ['model'],
    ['data', 'checkpoint'],
    ['eval', 'parity'],
    ['train'],
    ['worker'],
    ['bench'],
    ['app'],
  ]),
  {
    // One door between page and engine: the page learns what it needs of a model through the
    // worker protocol (src/worker/messages.ts: ModelInfo and the types and constants it
    // re-exports), never from the library itself (docs/architecture.md).
    files: ['src/app/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          group: folderGlobs(['model', 'checkpoint', 'train', 'backend', 'parity']),
          message: 'The page reaches the model library only through the worker protocol (src/worker/messages.ts), types included: re-export a type there.',
        }],
      }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}', 'scripts/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'e2e/**/*.ts'],
    rules: {
      // Unused names fail, except ones marked as deliberately unused with a leading underscore.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
