// Section 2b, host side: a worker started the user-namespace way (each child in a user namespace
// of its own, through util-linux unshare(1), its preload running the steps and dropping the
// capabilities) against a plain child_process.fork of the same module, with the stages in between
// to say what the launcher and the child-side setup each cost; the timing runs in
// entry/rootless-start.js.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { canIsolate, chooseWay, createPlan, describePlan, launcherArgs } from '@isolane/core'
import { runEntry } from './child.js'
import { HOSTNAME } from './configs.js'
import { stageCosts, summarizeVariants } from './cycles.js'

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url))
// The preload forkIn() gives a child of the user-namespace way, in the built core.
const CORE_PRELOAD = join(dirname(createRequire(import.meta.url).resolve('@isolane/core')), 'entry', 'child-setup.cjs')

// What each variant is, in full, is in the report's note (lib/report/tables.js).
export const VARIANTS = [
  { name: 'plain', label: 'plain fork' },
  { name: 'launcher', label: 'launcher only (unshare(1), no preload)' },
  { name: 'preload', label: 'launcher + preload loaded, no plan' },
  { name: 'userNamespace', label: 'user-namespace way, all of it *' },
  { name: 'privileged', label: 'privileged way (root), to compare' },
]

export const STAGES = [
  { name: 'launcher', label: 'the launcher', with: 'launcher', without: 'plain' },
  { name: 'childSetup', label: 'the child-side setup in all', with: 'userNamespace', without: 'launcher' },
  { name: 'preloadModules', label: '  of which loading the preload\'s modules', with: 'preload', without: 'launcher' },
  { name: 'setup', label: '  of which koffi, steps, capability drop', with: 'userNamespace', without: 'preload' },
  { name: 'overPrivileged', label: 'user-namespace way over privileged way', with: 'userNamespace', without: 'privileged' },
]

export async function benchRootlessStart({ mode, probe, unshare, log }) {
  const settings = mode.quick ? { cycles: 10, warmup: 1 } : { cycles: 120, warmup: 3 }
  const options = { hostname: HOSTNAME }
  const plan = createPlan({ ...options, way: 'user-namespace' })
  const way = chooseWay(plan)
  if (!way.ok) return { settings, skipped: `the user-namespace way is not possible here: ${way.error.message}` }
  if (unshare?.skipped) return { settings, skipped: unshare.skipped }
  if (!existsSync(CORE_PRELOAD)) return { settings, skipped: `the core's preload ${CORE_PRELOAD} is not built (run \`npx tsc -b\`)` }
  // The privileged way in the same cycles where this process may take it (as root).
  const privileged = canIsolate(plan.kinds, probe).ok
  const variants = VARIANTS.filter((v) => v.name !== 'privileged' || privileged)
  log(`  ${settings.cycles} cycles of ${variants.length} forks (${variants.map((v) => v.name).join(', ')}), rotating which goes first`)
  const { namespaces, cycles } = await runEntry('rootless-start.js', { ...settings, options, variants: variants.map((v) => v.name), launcher: unshare.path, preload: CORE_PRELOAD }, { cwd: CHECKOUT })
  // Each variant must have started where it says: a fresh user namespace through the launcher,
  // the host's user namespace with a fresh net namespace for the privileged way.
  for (const [name, ns] of Object.entries(namespaces)) {
    const freshUser = name !== 'plain' && name !== 'privileged'
    if (ns.freshUser === false && freshUser) throw new Error(`the ${name} child shared this process's user namespace; this is a bug in the benchmarks or the core`)
    if (ns.freshNet === false && name !== 'plain') throw new Error(`the ${name} child shared this process's net namespace; this is a bug in the benchmarks or the core`)
  }
  const summaries = summarizeVariants(cycles, variants.map((v) => v.name), 'plain')
  return {
    settings,
    // Root and a user without privilege take the same path here: the launcher maps the caller's
    // own uid, and the child's preload does the rest with the capabilities its user namespace gives.
    runAs: process.getuid?.() === 0 ? 'root, with `way: \'user-namespace\'` forced' : `uid ${process.getuid?.()}`,
    isolation: describePlan(plan),
    launcher: [unshare.path, ...launcherArgs(plan.kinds), '--', 'node', '--require', 'child-setup.cjs'].join(' '),
    namespaces,
    variants: variants.map((v) => ({ ...v, ...summaries[v.name] })),
    stages: stageCosts(cycles, STAGES.filter((s) => privileged || s.without !== 'privileged')),
  }
}
