import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chooseWay, createPlan } from '@isolane/core/internal'

const bin = join(import.meta.dirname, '../bin/isolane.js')
const root = join(import.meta.dirname, '../../..')
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }
// A checkout under /tmp stays visible in a private /tmp (the top folder holding it): the rest must be empty.
const keptInTmp = root.startsWith('/tmp/') ? [root.split('/')[2]!] : []

function isolane(...args: string[]) {
  return isolaneIn('/', ...args)
}

function isolaneIn(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, cwd })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

// `isolane run` isolates either way: privileged as root, through a user namespace otherwise.
const answer = chooseWay(createPlan({}))
const skip = answer.ok ? undefined : `skipped: commands cannot get fresh namespaces here (${answer.error.code}): ${answer.error.message}`
if (skip) console.warn(skip)

describe('isolane (the command line)', () => {
  it('is on the path of the workspace through pnpm exec', () => {
    const result = spawnSync('npx', ['-y', 'pnpm@12.4.2', 'exec', 'isolane', '--help'], { cwd: root, encoding: 'utf8', env })
    expect(result.stdout).toMatch(/isolane run \[options\] -- CMD/)
    expect(result.status).toBe(0)
  })

  it('rejects bad input before any syscall, saying what to do', () => {
    const long = isolane('run', '--hostname', 'x'.repeat(70), '--', 'true')
    expect(long.status).toBe(125)
    expect(long.stderr).toMatch(/70 bytes, over the kernel's limit of 64.*To fix: use a shorter hostname/)
    const missing = isolane('run', '--mount', '--tmpfs', '/no/such/isolane/dir', '--', 'true')
    expect(missing.stderr).toMatch(/tmpfs path "\/no\/such\/isolane\/dir" does not exist/)
    const user = isolane('run', '--user', '--net', '--', 'true')
    expect(user.stderr).toMatch(/ISOLANE_USERNS_FROM_NODE/)
    expect(isolane('run', '--netz', '--', 'true')).toMatchObject({ status: 2, stderr: expect.stringMatching(/unknown option --netz/) })
    expect(isolane('run')).toMatchObject({ status: 2, stderr: expect.stringMatching(/needs a command/) })
    expect(isolane('frobnicate')).toMatchObject({ status: 2 })
  })

  it('writes each command\'s help from its definition: isolane help CMD, CMD --help, exit 0', () => {
    const help = isolane('help', 'run')
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^Usage: isolane run \[options\] -- CMD \[ARGS\.\.\.\]$/m)
    expect(help.stdout).toMatch(/^ {2}--keep NAME +keep the namespaces after CMD ends/m)
    expect(help.stdout).toMatch(/^Exit status:\n {2}CMD's exit status, 128\+N when signal N ended it; 127 when CMD was not found/m)
    expect(isolane('run', '--help')).toEqual(help)
    expect(isolane('rm', '-h').stdout).toMatch(/^ {2}--all +every kept worker/m)
    const overview = isolane()
    expect(overview.stdout).toMatch(/^ {2}125 +isolane itself failed/m)
    expect(overview.status).toBe(2)
  })

  it('refuses an unknown option or command with exit status 2, naming the closest known one', () => {
    expect(isolane('run', '--hostnme', 'x', '--', 'true')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^isolane: unknown option --hostnme for isolane run; did you mean --hostname\?\nRun isolane help run for usage\.\n$/) })
    expect(isolane('rnu', '--', 'true')).toMatchObject({ status: 2, stderr: expect.stringMatching(/unknown command "rnu"; did you mean run\?/) })
    expect(isolane('ls', 'extra')).toMatchObject({ status: 2, stderr: expect.stringMatching(/isolane ls takes no arguments/) })
  })

  it('prints the plan with --dry-run', () => {
    const result = isolane('run', '--net', '--uts', '--hostname', 'dry', '--dry-run', '--', 'true')
    const [way, ...steps] = result.stdout.split('\n')
    // Which way depends on who runs it: this process's own window as root, a user namespace otherwise.
    expect(way).toMatch(/^way: (privileged \(this process makes the namespaces in a window on its own thread\)|user namespace \(unshare --user --map-current-user --keep-caps --net --uts, then these steps in the child, then all capabilities dropped\))$/)
    expect(steps).toEqual(['unshare CLONE_NEWNET|CLONE_NEWUTS', 'bring lo up', 'set hostname dry', 'exec true', ''])
  })

  it('mounts a fresh /dev/mqueue with kind options only when asked (--mqueue), and refuses it without --ipc and --mount', () => {
    const asked = isolane('run', '--ipc', '--mount', '--mqueue', '--dry-run', '--', 'true')
    // Where the machine has no /dev/mqueue (the project's own has none), it is refused, saying so.
    if (existsSync('/dev/mqueue')) expect(asked.stdout).toMatch(/^mount a fresh mqueue on \/dev\/mqueue$/m)
    else expect(asked).toMatchObject({ status: 125, stderr: expect.stringMatching(/mqueue path "\/dev\/mqueue" does not exist/) })
    expect(isolane('run', '--ipc', '--mount', '--dry-run', '--', 'true').stdout).not.toMatch(/mqueue/)
    expect(isolane('run', '--ipc', '--mqueue', '--dry-run', '--', 'true')).toMatchObject({ status: 125, stderr: expect.stringMatching(/`mqueue: true` needs fresh mount and IPC namespaces/) })
  })

  describe.skipIf(skip)('with namespaces', () => {
    it('doctor says the machine is ready', () => {
      const result = isolane('doctor')
      expect(result.stdout).toMatch(/net\s+(yes|no \(EPERM\))\s+yes\s+default/)
      expect(result.stdout).toMatch(/Ready: every worker gets fresh net, mnt, ipc, uts namespaces/)
      expect(result.status).toBe(0)
    })

    it('run gives the command fresh namespaces and exits with its status', () => {
      const result = isolane('run', '--net', '--uts', '--hostname', 'cli-test', '--', 'sh', '-c', 'hostname; readlink /proc/self/ns/net /proc/self/ns/mnt; exit 3')
      const [name, net, mnt] = result.stdout.trim().split('\n')
      expect(result.status).toBe(3)
      expect(name).toBe('cli-test')
      expect(net).not.toBe(readlinkSync('/proc/self/ns/net'))
      expect(mnt).toBe(readlinkSync('/proc/self/ns/mnt'))
    })

    it('run with no kind flag gives the defaults: lo up, private /tmp', () => {
      const result = isolane('run', '--', 'sh', '-c', 'cat /sys/class/net/lo/operstate /proc/net/if_inet6 >/dev/null; grep -c " /tmp " /proc/self/mountinfo; ls -A /tmp')
      const [mounts, ...tmp] = result.stdout.trim().split('\n')
      expect(mounts).toBe('1')
      expect(tmp.filter((name) => !keptInTmp.includes(name))).toEqual([])
      expect(result.status).toBe(0)
    })

    it('run from a directory under /tmp still sees that directory, and nothing else of the host /tmp', () => {
      const project = mkdtempSync(join(tmpdir(), 'isolane-cwd-'))
      try {
        mkdirSync(join(project, 'sub'))
        writeFileSync(join(project, 'sub', 'marker'), 'here')
        const result = isolaneIn(join(project, 'sub'), 'run', '--', 'sh', '-c', 'cat marker; echo; ls -A /tmp')
        const [marker, ...tmp] = result.stdout.trim().split('\n')
        expect([marker, tmp.filter((name) => !keptInTmp.includes(name))]).toEqual(['here', [basename(project)]])
        expect(result.status).toBe(0)
      } finally {
        rmSync(project, { recursive: true, force: true })
      }
    })

    it('run takes CMD without -- too, CMD keeps its own options, and a CMD not found exits 127', () => {
      const result = isolane('run', '--uts', '--hostname', 'no-dashes', 'sh', '-c', 'hostname; exit 4', '--net')
      expect(result.stdout.trim()).toBe('no-dashes')
      expect(result.status).toBe(4)
      // A path, not a name: a PATH with a directory this user may not search makes execvp(3) say EACCES, 126 (as env(1) does).
      const missing = isolane('run', '--net', '--', '/no/such/dir/no-such-command-of-isolane')
      expect(missing.stderr).toMatch(/no-such-command-of-isolane/)
      expect(missing.status).toBe(127)
    })

    it('run reports a signal as 128+N', () => {
      expect(isolane('run', '--net', '--', 'sh', '-c', 'kill -TERM $$').status).toBe(128 + 15)
    })

    it('run --pid stops on SIGTERM and SIGINT as outside, though CMD is PID 1 of its namespace with no handler for them', async () => {
      for (const [signal, status] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
        const child = spawn(process.execPath, [bin, 'run', '--pid', '--net', '--mount', '--', 'sleep', '100'], { stdio: 'ignore', env })
        try {
          // Signalled once sleep runs (a child of isolane, or of the launcher the user-namespace way).
          for (let i = 0; i < 200 && !sleepingUnder(child.pid!); i++) await new Promise((resolve) => setTimeout(resolve, 25))
          const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
          child.kill(signal)
          expect(await exited).toBe(status)
        } finally {
          child.kill('SIGKILL')
        }
      }
    })

    it('ns shows which namespaces two processes share', async () => {
      const child = spawn(process.execPath, [bin, 'run', '--net', '--', 'sleep', '30'], { stdio: 'ignore' })
      try {
        let sleeper: number | undefined
        for (let i = 0; i < 100 && sleeper === undefined; i++) {
          const ps = spawnSync('pgrep', ['-P', String(child.pid), 'sleep'], { encoding: 'utf8' })
          sleeper = Number(ps.stdout.trim()) || undefined
          if (sleeper === undefined) await new Promise((r) => setTimeout(r, 50))
        }
        const result = isolane('ns', String(process.pid), String(sleeper))
        expect(result.stdout).toMatch(/^net\s+\d+\s+\d+\s+isolated$/m)
        expect(result.stdout).toMatch(/^uts\s+\d+\s+\d+\s+shared$/m)
      } finally {
        child.kill('SIGTERM')
      }
    })
  })
})

if (skip) it.skip(`CLI with namespaces: ${skip}`, () => {})

/** Whether a `sleep 100` runs below `ancestor` (its parents, by /proc/PID/stat). */
function sleepingUnder(ancestor: number): boolean {
  const sleeping = spawnSync('pgrep', ['-f', '-x', 'sleep 100'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number)
  return sleeping.some((pid) => {
    for (let current = pid, i = 0; current > 1 && i < 10; i++) {
      try {
        const stat = readFileSync(`/proc/${current}/stat`, 'utf8')
        current = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      } catch {
        return false
      }
      if (current === ancestor) return true
    }
    return false
  })
}
