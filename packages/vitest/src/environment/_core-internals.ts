// The few pieces of @isolane/core that a window on the *current* thread needs (enter now, restore
// at teardown, not inside one callback) and that the core does not export yet: its libc wrappers
// and its step runner. Loaded from the core's own files, next to its entry point, so that every
// syscall still goes through the core's one koffi layer. Wanted instead: a core export such as
// `enterIsolation(plan): { restore() }` (see the adapter's report); then this file goes away.
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import type { IsolationPlan, SetupStep, StepContext } from '@isolane/core'

export interface CoreInternals {
  unshare(flags: number, call?: string): void
  setns(fd: number, nstype: number, call?: string): void
  openFd(path: string, flags?: number): number
  closeFd(fd: number): void
  runStep(step: SetupStep, plan: IsolationPlan, context: StepContext, state: { bindSources: ReadonlyMap<SetupStep, number> }): void
}

let loaded: Promise<CoreInternals> | undefined

export function loadCoreInternals(): Promise<CoreInternals> {
  loaded ??= load()
  return loaded
}

async function load(): Promise<CoreInternals> {
  const entry = pathToFileURL(createRequire(import.meta.url).resolve('@isolane/core'))
  const [syscalls, steps] = await Promise.all([import(new URL('./libc/syscalls.js', entry).href), import(new URL('./steps/index.js', entry).href)])
  const internals = { ...syscalls, ...steps } as Partial<CoreInternals>
  for (const name of ['unshare', 'setns', 'openFd', 'closeFd', 'runStep'] as const)
    if (typeof internals[name] !== 'function') throw new Error(`isolane environment: @isolane/core (${entry.href}) has no ${name}() where this adapter expects it. The core and @isolane/vitest must be of the same version: reinstall them together.`)
  return internals as CoreInternals
}
