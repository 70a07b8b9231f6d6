// Per-file isolation choices, from the docblock (`// @vitest-environment-options {...}` in a file
// whose environment is isolane) or `environmentOptions.isolane` in the config, merged over the
// pool's options (core's mergeFileOptions). Pure data in, options out: the pool and the environment both use it.

export { mergeFileOptions, shareKinds, type IsolaneFileOptions } from '@isolane/core/internal'

/** The key under which Vitest passes the environment's options (its name). */
export const ENVIRONMENT_NAME = 'isolane'

/**
 * The options of one file (Vitest's `{ name, options }` of the file's environment, and the
 * project's `environmentOptions`): the file's own replace the project's, as Vitest does.
 */
export function fileOptionsOf(environment: { name: string; options: Record<string, unknown> | null }, projectOptions: Record<string, unknown> | undefined): unknown {
  const own = environment.options?.[ENVIRONMENT_NAME]
  return own !== undefined ? own : projectOptions?.[ENVIRONMENT_NAME]
}
