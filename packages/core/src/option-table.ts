// Every option isolane takes, once: its type, default, the namespace kinds it needs, whether a test
// file may set it, its `isolane run` flag, its isolane-mocha flag and what it does (nsjail's
// config.proto plays this part there). Core's validation (plan-validation.ts), the per-file options
// (file-options.ts), the adapters' option parsers, the CLI's flags and the README's option table
// (scripts/options-doc.js) are all read from it: a new option is an entry here, plus the step or the
// run behaviour that makes it do something.
import { ALL_KINDS, DEFAULT_KINDS, type NamespaceKind } from './kinds.js'
import { LEFTOVERS_MODES, type LeftoversMode } from './leftovers.js'
import type { Fallback, IsolationOptions, WayChoice } from './plan-types.js'

/** How a run uses its workers: options the adapters share, beside the isolation options. */
export interface RunOptions {
  /**
   * Run several test files in each worker, renewing its namespaces (net, uts, ipc, /tmp, /dev/shm)
   * before each file. Default true; false: a fresh worker per file.
   */
  reuseWorkers?: boolean
  /** What a test file leaves running: 'stop' (default, with a warning naming the file), 'fail' (the file fails too), 'keep'. */
  leftovers?: LeftoversMode
  /**
   * A hard time limit for each test file, in ms (default 0: none): a file still running past it
   * has its worker killed and fails, timed out, naming the test that was running.
   */
  fileTimeout?: number
  /** Default true: a test's failed attempt to reach outside its worker's network says so on its error, and the run ends with a list of them. */
  reportNetworkAttempts?: boolean
  /** 'on-failure': keep the namespaces of a worker whose file failed, for `isolane enter` (each file then gets a fresh worker). Default 'never'. */
  keep?: KeepChoice
}

export type KeepChoice = 'never' | 'on-failure'

/**
 * What a value must be: `kinds` an array of namespace kinds, `paths` an array of absolute paths,
 * `binds` and `plugins` arrays of their objects, `choice` one of `choices`, `milliseconds` a
 * number from 0.
 */
export type OptionType = 'boolean' | 'string' | 'kinds' | 'paths' | 'binds' | 'plugins' | 'choice' | 'milliseconds'

/** `isolation`: createPlan takes it; `run`: how a run uses its workers (the adapters); `file`: only a test file sets it. */
export type OptionGroup = 'isolation' | 'run' | 'file'

export interface OptionSpec {
  readonly group: OptionGroup
  readonly type: OptionType
  readonly choices?: readonly string[]
  /** The value used when the option is left out; undefined where it depends on the other options or the machine. */
  readonly default: unknown
  /** The default as the docs say it. */
  readonly defaultText: string
  /** The fresh namespace kinds the option needs when it asks for something (not false, not empty). */
  readonly needs: readonly NamespaceKind[]
  /** Whether a test file may set it (a docblock, a project's per-file options); a string says why not. */
  readonly perFile: true | false | string
  /** Its flag of `isolane run`; `kindFlags`: one flag per kind, named as unshare(1) names them. */
  readonly cli?: CliFlag | { readonly kindFlags: Readonly<Record<string, NamespaceKind>> }
  /**
   * Its isolane-mocha flag, an example value for a missing value's message, and its entry in
   * isolane-mocha's help: the flag as used (`--isolane-no-loopback`, `--isolane-hostname NAME`) and what it does.
   */
  readonly mocha?: { readonly flag: `--isolane-${string}`; readonly example: string; readonly usage: string; readonly help: string }
  /** What a value must be, as the error for a wrong one says it ("a boolean"), and how to fix it. */
  readonly expected: string
  readonly fix: string
  readonly description: string
}

export interface CliFlag {
  readonly flag: string
  /** The value's name in the help (NAME, PATH); a boolean flag has none. */
  readonly value?: string
  readonly help: string
}

export type OptionName = keyof IsolationOptions | keyof RunOptions | 'share'

export const WAY_CHOICES: readonly WayChoice[] = Object.freeze(['auto', 'privileged', 'user-namespace'] as WayChoice[])
export const FALLBACKS: readonly Fallback[] = Object.freeze(['refuse', 'none'] as Fallback[])
export const KEEP_CHOICES: readonly KeepChoice[] = Object.freeze(['never', 'on-failure'] as KeepChoice[])

const BOOLEAN = { expected: 'a boolean', fix: 'use `true` or `false`' } as const

export const OPTIONS: Readonly<Record<OptionName, OptionSpec>> = Object.freeze({
  namespaces: {
    group: 'isolation', type: 'kinds', default: DEFAULT_KINDS, defaultText: 'net, mnt, ipc, uts', needs: [], perFile: true,
    cli: { kindFlags: { net: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', pid: 'pid', cgroup: 'cgroup' } },
    mocha: {
      flag: '--isolane-namespaces', example: 'net,mnt,ipc,uts', usage: '--isolane-namespaces LIST',
      help: 'kinds of fresh namespaces, comma-separated, or "none" (default: net,mnt,ipc,uts; also pid, cgroup)',
    },
    expected: 'an array of kinds', fix: `use some of ${ALL_KINDS.join(', ')}`,
    description: 'Kinds of fresh namespaces: net, mnt, ipc, uts, pid, cgroup (user is refused, with why).',
  },
  loopback: {
    group: 'isolation', type: 'boolean', default: undefined, defaultText: 'true with net', needs: ['net'], perFile: true,
    mocha: {
      flag: '--isolane-loopback', example: 'true', usage: '--isolane-no-loopback',
      help: 'leave lo down in the fresh network namespace',
    },
    ...BOOLEAN,
    description: 'Bring the loopback interface up in the fresh network namespace.',
  },
  hostname: {
    group: 'isolation', type: 'string', default: undefined, defaultText: 'the host\'s', needs: ['uts'], perFile: true,
    cli: { flag: 'hostname', value: 'NAME', help: 'hostname in the fresh UTS namespace' },
    mocha: {
      flag: '--isolane-hostname', example: 'worker-{workerId}', usage: '--isolane-hostname NAME',
      help: 'hostname in each worker; {workerId} and {pid} are replaced',
    },
    expected: 'a non-empty string', fix: 'use for example `hostname: "worker-{workerId}"`',
    description: 'Hostname in the fresh UTS namespace; `{workerId}` and `{pid}` are replaced (checked at load for every worker id a run can reach, up to 6 digits, against the kernel\'s 64 bytes).',
  },
  tmpfs: {
    group: 'isolation', type: 'paths', default: undefined, defaultText: '/tmp and /dev/shm with mnt (where they exist)', needs: ['mnt'], perFile: true,
    cli: { flag: 'tmpfs', value: 'PATH', help: 'a fresh tmpfs on PATH (repeatable; default without kind options: /tmp and /dev/shm)' },
    mocha: {
      flag: '--isolane-tmpfs', example: '/tmp,/dev/shm', usage: '--isolane-tmpfs LIST',
      help: 'directories that get a fresh tmpfs (default: /tmp,/dev/shm)',
    },
    expected: 'an array of paths', fix: 'use for example `tmpfs: ["/tmp"]`',
    description: 'Directories that get a fresh tmpfs.',
  },
  mqueue: {
    group: 'isolation', type: 'boolean', default: undefined, defaultText: 'true with ipc and mnt, where /dev/mqueue exists', needs: ['mnt', 'ipc'], perFile: true,
    cli: { flag: 'mqueue', help: "a fresh mqueue file system on /dev/mqueue, showing the fresh IPC namespace's POSIX message queues (needs --ipc and --mount; default without kind options: on where /dev/mqueue exists)" },
    mocha: {
      flag: '--isolane-mqueue', example: 'true', usage: '--isolane-mqueue[=false]',
      help: 'a fresh /dev/mqueue (default: with ipc and mnt)',
    },
    ...BOOLEAN,
    description: 'Mount a fresh mqueue file system on /dev/mqueue.',
  },
  binds: {
    group: 'isolation', type: 'binds', default: [], defaultText: 'none', needs: ['mnt'], perFile: true,
    expected: 'an array', fix: 'use `binds: [{ source, target }]`',
    description: 'Host paths shown inside the private mount namespace, after the tmpfs mounts: `{ source, target, readOnly? }`; the target is created.',
  },
  plugins: {
    group: 'isolation', type: 'plugins', default: [], defaultText: 'none', needs: [], perFile: '`plugins` are functions and cannot be set per file',
    expected: 'an array', fix: 'use `plugins: [{ name, setup(context) {} }]`',
    description: 'Synchronous steps of your own, run in order after isolane\'s where the namespaces are made: `{ name, module: \'/abs/path.js\' }`, a module exporting `setup(context)`, works both ways; `{ name, setup(context) }`, a function, runs in the parent\'s window, so only the privileged way.',
  },
  way: {
    group: 'isolation', type: 'choice', choices: WAY_CHOICES, default: 'auto', defaultText: 'auto', needs: [], perFile: false,
    cli: { flag: 'way', value: 'WAY', help: 'auto (default), privileged, or user-namespace: how the namespaces are made (privileged needs root or CAP_SYS_ADMIN; user-namespace works for any user where the kernel allows it)' },
    mocha: {
      flag: '--isolane-way', example: 'auto', usage: '--isolane-way WAY',
      help: 'how the namespaces are made: auto (default: privileged where the process may, else a user namespace of each worker\'s own, for any user), privileged, or user-namespace',
    },
    expected: `one of ${WAY_CHOICES.map((way) => `"${way}"`).join(', ')}`, fix: 'use "auto" (the default), "privileged" or "user-namespace"',
    description: 'How the namespaces are made: privileged (the parent unshares them: root or CAP_SYS_ADMIN), user-namespace (each child in a user namespace of its own, no privilege), or auto: privileged where the process may, else the user namespace.',
  },
  fallback: {
    group: 'isolation', type: 'choice', choices: FALLBACKS, default: 'refuse', defaultText: 'refuse', needs: [], perFile: false,
    mocha: {
      flag: '--isolane-fallback', example: 'none', usage: '--isolane-fallback none',
      help: 'where no way works (not Linux, user namespaces off), run the files without isolation, saying so once (default: refuse)',
    },
    expected: '"refuse" or "none"', fix: 'use "refuse" (the default) or "none" (run without isolation where it is impossible, saying so)',
    description: 'Where no way works: refuse (throw before any child starts), or none (run without isolation, saying once at the start which kinds are missing and why; never silently).',
  },
  share: {
    group: 'file', type: 'kinds', default: [], defaultText: 'none', needs: [], perFile: true,
    expected: 'an array of kinds', fix: `use some of ${ALL_KINDS.join(', ')}`,
    description: 'Kinds this file keeps shared with the host (`["net"]` for a file that needs the host\'s network); the options only those kinds allow are dropped with them.',
  },
  reuseWorkers: {
    group: 'run', type: 'boolean', default: true, defaultText: 'true', needs: [], perFile: false,
    mocha: {
      flag: '--isolane-reuse-workers', example: 'true', usage: '--isolane-no-reuse-workers',
      help: 'a fresh worker process per file, for files that also need fresh memory, globals and modules (default: --jobs workers reused, their namespaces renewed before each file)',
    },
    ...BOOLEAN,
    description: 'Run several test files in each worker, renewing its namespaces before each file; false: a fresh worker per file (isolane-mocha, Jest; Vitest: `isolate`).',
  },
  leftovers: {
    group: 'run', type: 'choice', choices: LEFTOVERS_MODES, default: 'stop', defaultText: 'stop', needs: [], perFile: false,
    mocha: {
      flag: '--isolane-leftovers', example: 'stop', usage: '--isolane-leftovers MODE',
      help: 'processes a file leaves running: stop (default, with a warning naming the file), fail (the file fails too), keep',
    },
    expected: `one of ${LEFTOVERS_MODES.map((mode) => `"${mode}"`).join(', ')}`, fix: 'use "stop" (the default), "fail" or "keep"',
    description: 'What a test file leaves running: stop (with a warning naming the file), fail (the file fails too), keep.',
  },
  fileTimeout: {
    group: 'run', type: 'milliseconds', default: 0, defaultText: '0 (none)', needs: [], perFile: false,
    mocha: {
      flag: '--isolane-file-timeout', example: '60000', usage: '--isolane-file-timeout MS',
      help: 'a hard limit for each spec file: past it, its worker is killed and the file fails, timed out, naming the test that ran (default: none; Mocha\'s --timeout cannot stop a busy loop)',
    },
    expected: 'a number of milliseconds, 0 for no limit', fix: 'give for example `fileTimeout: 60000`, or leave it out',
    description: 'A hard time limit for each test file, in ms: a file still running past it has its worker killed and fails, naming the test that was running.',
  },
  reportNetworkAttempts: {
    group: 'run', type: 'boolean', default: true, defaultText: 'true', needs: [], perFile: true,
    mocha: {
      flag: '--isolane-report-network-attempts', example: 'true', usage: '--isolane-no-report-network-attempts',
      help: 'leave out what a test that tried to reach the network outside its worker is told (default: on its error, and listed at the end of the run)',
    },
    ...BOOLEAN,
    description: 'A test\'s failed attempt to reach outside its worker\'s network says so on its error, and the run ends with a list of them.',
  },
  keep: {
    group: 'run', type: 'choice', choices: KEEP_CHOICES, default: 'never', defaultText: 'never', needs: [], perFile: false,
    mocha: {
      flag: '--isolane-keep', example: 'on-failure', usage: '--isolane-keep on-failure',
      help: 'keep the namespaces of a worker whose file failed (its network, /tmp, hostname) for isolane enter NAME; each file then gets a fresh worker (see: isolane ls, isolane rm)',
    },
    expected: '"never" or "on-failure"', fix: 'use "on-failure" or leave it out',
    description: 'on-failure: keep the namespaces of a worker whose file failed, for `isolane enter` (each file then gets a fresh worker; not with pid). `isolane run --keep NAME` keeps a command\'s.',
  },
} satisfies Record<OptionName, OptionSpec>)

const namesOf = (group: OptionGroup): readonly OptionName[] => Object.freeze((Object.keys(OPTIONS) as OptionName[]).filter((name) => OPTIONS[name].group === group))

/** The options createPlan takes. */
export const ISOLATION_OPTION_NAMES = namesOf('isolation') as readonly (keyof IsolationOptions)[]
/** The options of how a run uses its workers, which the adapters take beside the isolation options. */
export const RUN_OPTION_NAMES = namesOf('run') as readonly (keyof RunOptions)[]
/** The options a test file may set. */
export const FILE_OPTION_NAMES: readonly OptionName[] = Object.freeze((Object.keys(OPTIONS) as OptionName[]).filter((name) => OPTIONS[name].perFile === true))

/** The run options' values where a run says nothing. */
export const RUN_DEFAULTS = Object.freeze(Object.fromEntries(RUN_OPTION_NAMES.map((name) => [name, OPTIONS[name].default]))) as Required<RunOptions>

/** `a`, `b` and `c`: option names as a message lists them. */
export function listOptionNames(names: readonly string[]): string {
  const quoted = names.map((name) => `\`${name}\``)
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`
}

/** Whether `value` is what the option takes, by its type alone (the values themselves are checked where they are used). */
export function hasOptionType(name: OptionName, value: unknown): boolean {
  const spec = OPTIONS[name]
  switch (spec.type) {
    case 'boolean': return typeof value === 'boolean'
    case 'string': return typeof value === 'string' && value !== ''
    case 'kinds': case 'binds': case 'plugins': return Array.isArray(value)
    case 'paths': return Array.isArray(value) && value.every((path) => typeof path === 'string')
    case 'choice': return spec.choices!.includes(value as string)
    case 'milliseconds': return typeof value === 'number' && Number.isFinite(value) && value >= 0
  }
}

/** Options that hold both kinds, split by the table: the isolation options (for createPlan, which checks them) and the run options. */
export function splitRunOptions(options: object): { isolation: IsolationOptions; run: RunOptions } {
  const isolation: Record<string, unknown> = {}
  const run: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) ((RUN_OPTION_NAMES as readonly string[]).includes(key) ? run : isolation)[key] = value
  return { isolation: isolation as IsolationOptions, run: run as RunOptions }
}
