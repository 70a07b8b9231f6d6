import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { canIsolate, createPlan, namespaceIds, probe } from '@isolane/core'
import { afterAll, describe, expect, it } from 'vitest'
import { buildCFloor } from './c-floor.js'
import { WINDOW_CONFIGS, bwrapArgv, cSpec, libcCallsPerWindow, planOf, unshareArgv } from './configs.js'

// Plans made from /: from a checkout under /tmp the core would add a bind of the working
// directory, a step the C floor, unshare(1) and bwrap columns do not have (run.js does the same).
const checkout = process.cwd()
process.chdir('/')
afterAll(() => process.chdir(checkout))

const DEFAULT_STEPS = createPlan({ hostname: 'bench-{workerId}' }, { workerId: 0 })

describe('configurations derived from the core plan', () => {
  it('writes the default set for the C floor with every step of the plan, in order', () => {
    const spec = cSpec('default', DEFAULT_STEPS)
    expect(spec.startsWith('default:kinds=net,mnt,ipc,uts;private;lo;hostname=bench-0;tmpfs=/tmp')).toBe(true)
    expect(spec.split(';').length).toBe(DEFAULT_STEPS.steps.length + 1)
  })

  it('gives unshare(1) the flags and a shell for the steps it cannot do', () => {
    const argv = unshareArgv(DEFAULT_STEPS, '/bin/true')
    expect(argv.slice(0, 4).sort()).toEqual(['--ipc', '--mount', '--net', '--uts'])
    expect(argv[4]).toBe('sh')
    expect(argv[6]).toContain('ip link set lo up && hostname bench-0 && mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp')
    expect(argv[6].endsWith('exec /bin/true')).toBe(true)
    expect(unshareArgv(createPlan({ namespaces: ['pid'], loopback: false, tmpfs: [], mqueue: false }), '/bin/true')).toEqual(['--pid', '--fork', '/bin/true'])
  })

  it('gives bwrap the same namespaces, hostname and tmpfs mounts', () => {
    const argv = bwrapArgv(DEFAULT_STEPS, '/bin/true')
    expect(argv).toEqual(expect.arrayContaining(['--unshare-net', '--unshare-ipc', '--unshare-uts', '--hostname', 'bench-0', '--tmpfs', '/tmp']))
    expect(argv.at(-1)).toBe('/bin/true')
  })

  it('counts the libc calls of a window as the core makes them', () => {
    // uts alone: open ns + open cwd, unshare, setns, fchdir, close both.
    expect(libcCallsPerWindow(createPlan({ namespaces: ['uts'], loopback: false, tmpfs: [], mqueue: false }))).toBe(7)
  })
})

const usable = canIsolate(['net', 'mnt', 'ipc', 'uts', 'pid', 'cgroup'], probe())
const cFloor = buildCFloor()
if (!usable.ok) console.log(`skipping the C floor run: ${usable.kind} namespaces are not usable here (${usable.reason})`)
if (cFloor.skipped) console.log(`skipping the C floor run: ${cFloor.skipped}`)

describe('the C floor', () => {
  it.skipIf(!usable.ok || !!cFloor.skipped)('runs every configuration and leaves the caller where it was', () => {
    const before = { ids: namespaceIds('self'), host: hostname(), mounts: readFileSync('/proc/self/mountinfo', 'utf8') }
    const specs = WINDOW_CONFIGS.map((config) => cSpec(config.name, planOf(config)))
    const run = spawnSync(cFloor.binary, ['3', ...specs], { encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    const { configs } = JSON.parse(run.stdout)
    expect(configs.map((c) => c.name)).toEqual(WINDOW_CONFIGS.map((c) => c.name))
    for (const c of configs) {
      expect(c.ns).toHaveLength(3)
      for (const ns of c.ns) expect(ns).toBeGreaterThan(0)
    }
    expect({ ids: namespaceIds('self'), host: hostname(), mounts: readFileSync('/proc/self/mountinfo', 'utf8') }).toEqual(before)
  })

  it.skipIf(!usable.ok || !!cFloor.skipped)('runs whole while another process builds it again (tests and bench runs share it)', async () => {
    const uts = WINDOW_CONFIGS.find((config) => config.name === 'uts')
    const builder = spawn(process.execPath, ['--input-type=module', '-e', `const { buildCFloor } = await import(${JSON.stringify(new URL('./c-floor.js', import.meta.url).href)}); if (buildCFloor().skipped) process.exit(1)`])
    let built = false
    const done = new Promise((resolve) =>
      builder.on('close', (code) => {
        built = true
        resolve(code)
      }),
    )
    const statuses = new Set()
    while (!built) {
      statuses.add(spawnSync(cFloor.binary, ['1', cSpec(uts.name, planOf(uts))]).status)
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(await done).toBe(0)
    // Never missing, never half written: every run in between exited normally.
    expect([...statuses]).toEqual([0])
  })

  it('refuses a step it does not know, saying so', () => {
    if (cFloor.skipped) return void console.log(`skipped: ${cFloor.skipped}`)
    const run = spawnSync(cFloor.binary, ['1', 'x:kinds=uts;teleport'], { encoding: 'utf8' })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('unknown step')
  })
})
