// The isolation a user asks for (IsolationOptions) and the plan it becomes: kinds to unshare and a
// list of plain setup steps (bubblewrap's SetupOp), data that can be printed, sent to another
// process and tested without privileges. Types only: option-table.ts says what each option takes,
// plan-validation.ts checks it, plan.ts derives the plan.
import type { NamespaceKind } from './kinds.js'

/** What a user step (a plugin) is told while it runs inside the window. */
export interface StepContext {
  /** The worker id the window is made for, when a pool makes it. */
  readonly workerId: number | undefined
  /** The fresh namespaces being prepared. */
  readonly kinds: readonly NamespaceKind[]
  /** The resolved hostname, if one is set. */
  readonly hostname: string | undefined
}

/**
 * A step of the user's, run synchronously after isolane's own steps, in the fresh namespaces.
 * Anything it does there (mounts, links, routes) is what the child will see. It must not await.
 * Given as a function, it runs in the parent's isolation window (the privileged way only); given as
 * a module, it is loaded where the namespaces are made, which for the user-namespace way is the
 * worker itself: `{ name, module: '/abs/path/plugin.js' }`, a module whose `setup` export (or
 * default export's `setup`, or default export as a function) is the step.
 */
export type IsolanePlugin = FunctionPlugin | ModulePlugin

export interface FunctionPlugin {
  readonly name: string
  setup(context: StepContext): void
}

export interface ModulePlugin {
  readonly name: string
  /** An absolute path or file: URL; loaded with require() (CommonJS, or ES modules without top-level await). */
  readonly module: string
}

export interface IsolationOptions {
  /** Kinds of fresh namespaces. Default: net, mnt, ipc, uts. */
  namespaces?: readonly NamespaceKind[]
  /** Bring the loopback interface up in a fresh network namespace. Default: true with net. */
  loopback?: boolean
  /** Hostname in the fresh UTS namespace; `{workerId}` and `{pid}` are replaced. */
  hostname?: string
  /** Directories that get a fresh tmpfs. Default with mnt: /tmp and /dev/shm (where they exist). */
  tmpfs?: readonly string[]
  /** Mount a fresh mqueue file system on /dev/mqueue. Default: with ipc and mnt, where it exists. */
  mqueue?: boolean
  /**
   * Host paths to bind-mount into the fresh mount namespace, after the tmpfs mounts: a path under
   * a private /tmp can show a host directory (Vitest's module cache, say). The target is created.
   */
  binds?: readonly BindMount[]
  /** Plugins: user steps, run in order after isolane's own. */
  plugins?: readonly IsolanePlugin[]
  /**
   * How the namespaces are made: 'privileged' (the parent unshares them, which needs
   * CAP_SYS_ADMIN), 'user-namespace' (each child starts in a user namespace of its own that owns
   * them, made by util-linux `unshare`, with no privilege), or 'auto' (default): privileged where
   * the process may, else the user namespace.
   */
  way?: WayChoice
  /**
   * What to do where no way works (not Linux, user namespaces switched off, a locked container):
   * 'refuse' (default) throws before any child starts; 'none' starts children without isolation,
   * after saying once which kinds are missing and why.
   */
  fallback?: Fallback
}

export type IsolationWay = 'privileged' | 'user-namespace'
export type WayChoice = 'auto' | IsolationWay
export type Fallback = 'refuse' | 'none'

export interface BindMount {
  readonly source: string
  readonly target: string
  readonly readOnly?: boolean
}

export type SetupStep =
  | { readonly op: 'private-mounts' }
  | { readonly op: 'loopback-up'; readonly interface: 'lo' }
  | { readonly op: 'hostname'; readonly hostname: string }
  | { readonly op: 'tmpfs'; readonly path: string; readonly data: string }
  | { readonly op: 'mqueue'; readonly path: string }
  /** A procfs of the new PID namespace: mounted by the child itself, PID 1 there (proc(5)). */
  | { readonly op: 'proc'; readonly path: string }
  | { readonly op: 'bind'; readonly source: string; readonly target: string; readonly readOnly: boolean }
  | { readonly op: 'plugin'; readonly name: string; readonly index: number; readonly module?: string }

export interface IsolationPlan {
  readonly kinds: readonly NamespaceKind[]
  readonly steps: readonly SetupStep[]
  readonly workerId: number | undefined
  /** The plugins of the 'plugin' steps; a function plugin is not part of the data that can be sent elsewhere. */
  readonly plugins: readonly IsolanePlugin[]
  readonly way: WayChoice
  readonly fallback: Fallback
}

export interface PlanContext {
  workerId?: number
}
