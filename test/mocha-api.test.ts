// The programmatic API of @isolane/mocha, in a child process of its own (a run writes to stdout
// and isolates through this process's main thread), with isolation options that only code can
// give: a plugin.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { chooseWay, createPlan } from '@isolane/core'

const root = join(import.meta.dirname, '..')
const api = pathToFileURL(join(root, 'packages/mocha/dist/index.js')).href
const spec = join(root, 'fixtures/mocha/programmatic-isolation/sees-plugin-and-hostname.spec.cjs')
const reusing = join(root, 'fixtures/mocha/reuses-workers')

// Either way: privileged as root, through user namespaces otherwise.
const capability = chooseWay(createPlan({}))
const skipReason = capability.ok ? undefined : `workers cannot get fresh namespaces here (${capability.error.code}): ${capability.error.message}`
if (skipReason) console.warn(`runMocha() tests skipped: ${skipReason}`)
const privileged = capability.ok && capability.way === 'privileged'

// A function runs in this process's own window (root); without root, the same plugin as a module.
const plugin = privileged
  ? "{ name: 'marker', setup: (context) => writeFileSync('/tmp/api-plugin-marker', context.hostname) }"
  : `{ name: 'marker', module: ${JSON.stringify(join(root, 'fixtures/mocha/programmatic-isolation/marker-plugin.cjs'))} }`

const script = `
import { writeFileSync } from 'node:fs'
import { runMocha } from ${JSON.stringify(api)}
const result = await runMocha({
  argv: ['--reporter', 'dot', ${JSON.stringify(spec)}],
  isolation: {
    hostname: 'api-{workerId}',
    plugins: [${plugin}],
  },
  // A function plugin runs in this process's window, for a fresh worker per file only.
  reuseWorkers: ${!privileged},
})
process.stderr.write('RESULT ' + JSON.stringify(result) + '\\n')
`

/** Runs a script in a Node of its own, from the workspace root; its RESULT line, parsed. */
function runScript(source: string): Promise<{ result: unknown; stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', source], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (error, stdout, stderr) => {
      const line = stderr.split('\n').find((l) => l.startsWith('RESULT '))
      resolve({ result: line === undefined ? undefined : JSON.parse(line.slice(7)), stdout, stderr, status: error ? (typeof error.code === 'number' ? error.code : null) : 0 })
    })
  })
}

describe.skipIf(skipReason !== undefined)('runMocha()', () => {
  it('reuses --jobs workers across the files with reuseWorkers: true', async () => {
    // Without the fixture's config (which asks for reuse itself): the option alone decides.
    const files = ['a', 'b', 'c', 'd'].map((name) => join(reusing, `${name}.spec.cjs`))
    const argv = ['--no-config', '--require', join(reusing, 'counts-root-hooks.cjs'), '--jobs', '1', '--reporter', 'json', ...files]
    const { result, stdout, stderr, status } = await runScript(`
import { runMocha } from ${JSON.stringify(api)}
const result = await runMocha({ argv: ${JSON.stringify(argv)}, reuseWorkers: true })
process.stderr.write('RESULT ' + JSON.stringify(result) + '\\n')
`)
    expect(result, stderr).toMatchObject({ failures: 0, exitCode: 0, stats: { tests: 8, passes: 8 } })
    const pids = new Set([...stdout.matchAll(/runs in pid (\d+) with net/g)].map((match) => match[1]))
    expect(pids.size).toBe(1)
    expect(status).toBe(0)
  })

  it('runs the files isolated with the given hostname and plugins, and returns what mocha would exit with', async () => {
    const { stderr, status } = await new Promise<{ stderr: string; status: number | null }>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (error, _stdout, stderr) =>
        resolve({ stderr, status: error ? (typeof error.code === 'number' ? error.code : null) : 0 }),
      )
    })
    const line = stderr.split('\n').find((l) => l.startsWith('RESULT '))
    expect(line, stderr).toBeDefined()
    const result = JSON.parse((line as string).slice(7))
    expect(result).toMatchObject({ failures: 0, exitCode: 0, files: [spec], forceExit: false })
    expect(result.stats).toMatchObject({ tests: 2, passes: 2, failures: 0, pending: 0 })
    expect(status).toBe(0)
    expect(existsSync('/tmp/api-plugin-marker')).toBe(false)
  })
})
