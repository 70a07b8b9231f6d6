// The programmatic API of @isolane/mocha, in a child process of its own (a run writes to stdout
// and isolates through this process's main thread), with isolation options that only code can
// give: a plugin.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { canIsolate, DEFAULT_KINDS } from '@isolane/core'

const root = join(import.meta.dirname, '..')
const api = pathToFileURL(join(root, 'packages/mocha/dist/index.js')).href
const spec = join(root, 'fixtures/mocha/programmatic-isolation/sees-plugin-and-hostname.spec.cjs')

const capability = canIsolate(DEFAULT_KINDS)
const skipReason = capability.ok ? undefined : `cannot make fresh ${capability.kind} namespaces here (${capability.code}): ${capability.reason}`
if (skipReason) console.warn(`runMocha() tests skipped: ${skipReason}`)

const script = `
import { writeFileSync } from 'node:fs'
import { runMocha } from ${JSON.stringify(api)}
const result = await runMocha({
  argv: ['--reporter', 'dot', ${JSON.stringify(spec)}],
  isolation: {
    hostname: 'api-{workerId}',
    plugins: [{ name: 'marker', setup: (context) => writeFileSync('/tmp/api-plugin-marker', context.hostname) }],
  },
})
process.stderr.write('RESULT ' + JSON.stringify(result) + '\\n')
`

describe.skipIf(skipReason !== undefined)('runMocha()', () => {
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
