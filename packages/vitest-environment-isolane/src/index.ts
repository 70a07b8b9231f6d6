// Vitest resolves `environment: 'isolane'` and `// @vitest-environment isolane` to the package
// `vitest-environment-isolane` (a docblock accepts names, not paths): this is that package.
export { default } from '@isolane/vitest/environment'
