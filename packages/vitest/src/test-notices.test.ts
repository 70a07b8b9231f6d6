import { spawnSync } from 'node:child_process'
import { readlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { NOTICE_FD, NoticeFile } from './test-notices.js'

describe('the file a worker writes its test notices to', () => {
  it('holds what a child wrote on its descriptor, but a line cut short, until cleared, and is in no directory', () => {
    const notices = NoticeFile.open()
    try {
      // Removed at once: nothing is left behind, whatever ends the run.
      expect(readlinkSync(`/proc/self/fd/${notices.fd}`)).toMatch(new RegExp(`^${tmpdir()}/isolane-notices-[^/]+/notices \\(deleted\\)$`))
      const write = (lines: string) => {
        const child = spawnSync(process.execPath, ['-e', `require('node:fs').writeSync(${NOTICE_FD}, ${JSON.stringify(lines)})`], { stdio: ['ignore', 'inherit', 'inherit', 'ignore', notices.fd] })
        expect(child.status).toBe(0)
      }
      const running = { __isolane_agent__: 'test', file: '/a.test.ts', running: { id: 'a_1', name: 'one' } }
      const ended = { __isolane_agent__: 'test', file: '/a.test.ts', ended: ['a_1', { state: 'pass' }, {}] }
      write(`${JSON.stringify(running)}\n${JSON.stringify(ended)}\n{"__isolane_agent__":"te`)
      expect(notices.read()).toEqual([running, ended])
      notices.clear()
      expect(notices.read()).toEqual([])
      write(`${JSON.stringify(running)}\n`)
      expect(notices.read()).toEqual([running])
    } finally {
      notices.close()
    }
  })
})
