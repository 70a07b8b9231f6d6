import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, afterAll, describe, expect, it } from 'vitest'
import { isIsolaneError } from './errors.js'
import { createPlan, withOwnFilesVisible } from './plan.js'
import { describePlan } from './plan-description.js'
import { hiddenBy } from './plan-queries.js'
import type { IsolationOptions } from './plan-types.js'
import { withIsolation } from './window.js'
import { isFsContextUnshared } from './fs-context.js'
import { namespaceIds } from './inspect.js'

// Made when the tests run, not when the file is collected (a filtered or listed run leaves none).
let scratch = ''
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'isolane-plan-'))
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function rejection(options: unknown): { code: string; message: string } {
  try {
    createPlan(options as IsolationOptions)
  } catch (error) {
    if (!isIsolaneError(error)) throw error
    return { code: error.code, message: error.message }
  }
  throw new Error('createPlan accepted the options')
}

describe('createPlan', () => {
  it('defaults to net, mnt, ipc, uts with lo up and private /tmp and /dev/shm', () => {
    const plan = createPlan()
    expect(plan.kinds).toEqual(['net', 'mnt', 'ipc', 'uts'])
    expect(plan.steps.map((s) => s.op)).toEqual(expect.arrayContaining(['private-mounts', 'loopback-up', 'tmpfs']))
    expect(plan.steps.filter((s) => s.op === 'tmpfs').map((s) => (s as { path: string }).path)).toContain('/tmp')
    expect(describePlan(plan)[0]).toBe('unshare CLONE_NEWNET|CLONE_NEWNS|CLONE_NEWIPC|CLONE_NEWUTS')
  })

  it('is plain data apart from plugin functions: it survives JSON', () => {
    const plan = createPlan({ hostname: 'w-{workerId}', plugins: [{ name: 'hosts', setup() {} }] }, { workerId: 7 })
    const copy = JSON.parse(JSON.stringify({ kinds: plan.kinds, steps: plan.steps }))
    expect(copy.steps).toContainEqual({ op: 'hostname', hostname: 'w-7' })
    expect(copy.steps.at(-1)).toEqual({ op: 'plugin', name: 'hosts', index: 0 })
  })

  it('carries the way, the fallback and module plugins as data (a file: URL becomes its path)', () => {
    const module = join(import.meta.dirname, '../test-fixtures/throws-in-setup.cjs')
    const plan = createPlan({ way: 'user-namespace', fallback: 'none', plugins: [{ name: 'm', module: `file://${module}` }] })
    expect([plan.way, plan.fallback]).toEqual(['user-namespace', 'none'])
    expect(plan.steps.at(-1)).toEqual({ op: 'plugin', name: 'm', index: 0, module })
    expect([createPlan().way, createPlan().fallback]).toEqual(['auto', 'refuse'])
  })

  it('adds only what the kinds allow: no lo without net, no tmpfs without mnt', () => {
    const plan = createPlan({ namespaces: ['uts', 'ipc'] })
    expect(plan.steps.map((s) => s.op)).toEqual([])
  })

  it.each([
    [{ namespaces: ['net', 'nett'] }, 'ISOLANE_INVALID_OPTIONS', /unknown namespace kind "nett".*cgroup, ipc, mnt, net, pid, user, uts/],
    [{ namespaces: ['user'] }, 'ISOLANE_USERNS_FROM_NODE', /multi-threaded process.*unshare --user/],
    [{ hostname: 'h'.repeat(65) }, 'ISOLANE_INVALID_OPTIONS', /65 bytes, over the kernel's limit of 64/],
    [{ hostname: 'a'.repeat(63) + '-{workerId}' }, 'ISOLANE_INVALID_OPTIONS', /over the kernel's limit/],
    // Fits worker 1 (64 bytes), not worker 10: refused up front, not in the middle of a run.
    [{ hostname: 'h'.repeat(63) + '{workerId}' }, 'ISOLANE_INVALID_OPTIONS', /hostname template "h{63}\{workerId\}" can reach 69 bytes \(worker ids up to 6 digits, pids up to \d+\), over the kernel's limit of 64 \(sethostname\(2\)\): later workers of a run would fail/],
    [{ hostname: 'x-{worker}' }, 'ISOLANE_INVALID_OPTIONS', /unknown token \{worker\}/],
    [{ hostname: 'two words' }, 'ISOLANE_INVALID_OPTIONS', /characters a hostname cannot have/],
    [{ namespaces: ['net'], hostname: 'x' }, 'ISOLANE_INVALID_OPTIONS', /needs a fresh UTS namespace/],
    [{ tmpfs: ['/no/such/dir/isolane'] }, 'ISOLANE_INVALID_OPTIONS', /tmpfs path "\/no\/such\/dir\/isolane" does not exist/],
    [{ tmpfs: ['relative'] }, 'ISOLANE_INVALID_OPTIONS', /not absolute/],
    [{ tmpfs: ['/'] }, 'ISOLANE_INVALID_OPTIONS', /hide the whole file system/],
    [{ namespaces: ['net'], tmpfs: ['/tmp'] }, 'ISOLANE_INVALID_OPTIONS', /needs a fresh mount namespace/],
    [{ way: 'rootless' }, 'ISOLANE_INVALID_OPTIONS', /`way` must be one of "auto", "privileged", "user-namespace", got "rootless"/],
    [{ fallback: 'off' }, 'ISOLANE_INVALID_OPTIONS', /`fallback` must be "refuse" or "none", got "off"/],
    [{ plugins: [{ name: 'p', module: 'relative/plugin.js' }] }, 'ISOLANE_INVALID_OPTIONS', /plugin "p" module "relative\/plugin.js" is not an absolute path/],
    [{ plugins: [{ name: 'p', module: '/no/such/plugin.js' }] }, 'ISOLANE_INVALID_OPTIONS', /plugin "p" module \/no\/such\/plugin.js does not exist/],
    [{ namespaces: ['uts'], loopback: true }, 'ISOLANE_INVALID_OPTIONS', /needs a fresh network namespace/],
    [{ plugins: [{ name: 'x' }] }, 'ISOLANE_INVALID_OPTIONS', /plugin 0 .*synchronous setup function/],
    [{ binds: [{ source: '/no/such/src', target: '/tmp/x' }] }, 'ISOLANE_INVALID_OPTIONS', /bind source "\/no\/such\/src" does not exist/],
    [{ namespace: ['net'] }, 'ISOLANE_INVALID_OPTIONS', /unknown option `namespace`/],
    ['net', 'ISOLANE_INVALID_OPTIONS', /expected an object/],
  ])('rejects %j with %s', (options, code, message) => {
    const error = rejection(options)
    expect(error.code).toBe(code)
    expect(error.message).toMatch(message)
    expect(error.message).toMatch(/To fix: /)
  })

  it('shows the working directory again when it lies under a fresh tmpfs', () => {
    const project = join(scratch, 'project', 'sub')
    mkdirSync(project, { recursive: true })
    const top = join(scratch)
    const before = process.cwd()
    process.chdir(project)
    try {
      const plan = createPlan({ tmpfs: [tmpdir()] })
      expect(plan.steps).toContainEqual({ op: 'bind', source: top, target: top, readOnly: false })
      expect(hiddenBy(plan, join(project, 'file.js'))).toBeUndefined()
      expect(hiddenBy(plan, join(tmpdir(), 'elsewhere', 'file.js'))).toBe(tmpdir())
      // A bind of the user's that already shows it is enough.
      const own = createPlan({ tmpfs: [tmpdir()], binds: [{ source: top, target: top, readOnly: true }] })
      expect(own.steps.filter((step) => step.op === 'bind' && step.target === top)).toEqual([{ op: 'bind', source: top, target: top, readOnly: true }])
    } finally {
      process.chdir(before)
    }
    expect(hiddenBy(createPlan({ tmpfs: [tmpdir()] }), join(project, 'file.js'))).toBe(tmpdir())
    expect(hiddenBy(createPlan({ namespaces: ['net'] }), join(project, 'file.js'))).toBeUndefined()
  })

  it("shows isolane's own files again when they lie under a fresh tmpfs: a child loads its entry scripts after the setup", () => {
    const coreFolder = join(import.meta.dirname, '..')
    const [, first, second] = coreFolder.split('/')
    // From /, so that the working directory does not show the same folder already.
    const before = process.cwd()
    process.chdir('/')
    const given = (() => {
      try {
        return createPlan({ tmpfs: [`/${first}`] })
      } finally {
        process.chdir(before)
      }
    })()
    expect(hiddenBy(given, join(coreFolder, 'dist', 'entry', 'exec.cjs'))).toBe(`/${first}`)
    const plan = withOwnFilesVisible(given)
    expect(plan.steps).toContainEqual({ op: 'bind', source: `/${first}/${second}`, target: `/${first}/${second}`, readOnly: false })
    expect(hiddenBy(plan, join(coreFolder, 'dist', 'entry', 'exec.cjs'))).toBeUndefined()
    // Nothing to add where nothing hides them.
    expect(withOwnFilesVisible(createPlan({ namespaces: ['net'] })).steps).toEqual(createPlan({ namespaces: ['net'] }).steps)
  })

  it('rejects a file given as a tmpfs path', () => {
    expect(rejection({ tmpfs: [join(import.meta.dirname, 'plan.ts')] }).message).toMatch(/is not a directory/)
  })

  it('withIsolation rejects bad options before any syscall', () => {
    const before = namespaceIds('thread-self')
    const unsharedBefore = isFsContextUnshared()
    expect(() => withIsolation({ namespaces: ['mnt', 'bogus' as never] }, () => 1)).toThrow(/unknown namespace kind/)
    expect(namespaceIds('thread-self')).toEqual(before)
    // A mount window would have unshared the thread's filesystem context; validation comes first.
    expect(isFsContextUnshared()).toBe(unsharedBefore)
    expect(unsharedBefore).toBe(false)
    expect(scratch).toBeTruthy()
  })
})
