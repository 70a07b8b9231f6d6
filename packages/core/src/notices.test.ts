import { spawnSync } from 'node:child_process'
import { readlinkSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { NOTICE_FD, NOTICE_FD_ENV, NoticeFile } from './notices.js'

/** Built core's worker part, as a pool's worker loads it. */
const CORE_WORKER = fileURLToPath(new URL('../dist/entry/worker.cjs', import.meta.url))

/** Runs `script` in a child that inherits the notice file as NOTICE_FD; returns its stdout. */
function child(notices: NoticeFile, script: string, env: NodeJS.ProcessEnv = process.env): string {
  const run = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit', 'ignore', notices.fd] })
  expect(run.status).toBe(0)
  return run.stdout
}

describe("the file a worker writes its notices to (the host's side)", () => {
  it('holds what a child wrote on its descriptor, but a line cut short, until cleared, and is in no directory', () => {
    const notices = NoticeFile.open()
    try {
      // Removed at once: nothing is left behind, whatever ends the run.
      expect(readlinkSync(`/proc/self/fd/${notices.fd}`)).toMatch(/^\/dev\/shm\/isolane-notices-[^/]+\/notices \(deleted\)$/)
      const running = { file: '/a.test.ts', running: { id: 'a_1', name: 'one' } }
      const ended = { file: '/a.test.ts', ended: ['a_1', { state: 'pass' }, {}] }
      child(notices, `require('node:fs').writeSync(${NOTICE_FD}, ${JSON.stringify(`${JSON.stringify(running)}\n${JSON.stringify(ended)}\n{"file":"/b.te`)})`)
      expect(notices.read()).toEqual([running, ended])
      notices.clear()
      expect(notices.read()).toEqual([])
      child(notices, `require('node:fs').writeSync(${NOTICE_FD}, ${JSON.stringify(`${JSON.stringify(running)}\n`)})`)
      expect(notices.read()).toEqual([running])
    } finally {
      notices.close()
    }
  })
})

describe("a pool worker's task notices (taskNotices(), the worker's side)", () => {
  it("tells each notice's task, and leaves neither the variable nor the descriptor to the worker's children", () => {
    const notices = NoticeFile.open()
    try {
      const script = `
        const { taskNotices } = require(${JSON.stringify(CORE_WORKER)})
        const notices = taskNotices()
        notices.begin(1)
        notices.record('of the first task')
        notices.begin(2)
        notices.record({ of: 'the second task' })
        notices.record([1, 2])
        const grandchild = require('node:child_process').spawnSync('sh', ['-c', 'test -e /proc/self/fd/${NOTICE_FD} && echo open || echo closed'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
        process.stdout.write(JSON.stringify({ variable: process.env.${NOTICE_FD_ENV} ?? null, again: taskNotices() === notices, grandchild: grandchild.stdout.trim() }))`
      const said = JSON.parse(child(notices, script, { ...process.env, [NOTICE_FD_ENV]: String(NOTICE_FD) })) as unknown
      expect(said).toEqual({ variable: null, again: true, grandchild: 'closed' })
      expect(notices.read()).toEqual([{ task: 1, value: 'of the first task' }, { task: 2, value: { of: 'the second task' } }, { task: 2, value: [1, 2] }])
    } finally {
      notices.close()
    }
  })

  it('is undefined where the pool gave the worker no file', () => {
    const notices = NoticeFile.open()
    try {
      const said = child(notices, `process.stdout.write(String(require(${JSON.stringify(CORE_WORKER)}).taskNotices()))`, { ...process.env, [NOTICE_FD_ENV]: undefined })
      expect(said).toBe('undefined')
    } finally {
      notices.close()
    }
  })
})
