import { describe, expect, it } from 'vitest'
import { renderMarkdown } from './markdown.js'

const machine = (commit, extra = {}) => ({ cpuModel: 'CPU', cpus: 2, memoryGiB: 4, kernel: '6.1', node: '20.20.2', root: true, commit, loadAverage: { atStart: [1], atEnd: [2] }, ...extra })
const render = (results) => renderMarkdown({ mode: 'full', finishedAt: '2026-12-03T00:00:00.000Z', durationS: 10, ...results }, [], { chartFile: 'chart.svg', jsonFile: 'latest.json' })

describe('the Markdown header', () => {
  it('names the commit, and says when the measured packages had uncommitted changes', () => {
    expect(render({ machine: machine('abc1234'), sections: {} })).toContain('; commit abc1234. Took 10 s')
    expect(render({ machine: machine('abc1234', { uncommitted: ['packages/core', 'packages/vitest'] }), sections: {} })).toContain('commit abc1234 with uncommitted changes in packages/core, packages/vitest. Took')
  })

  it('says which sections --merge kept, and from which run', () => {
    const earlier = { finishedAt: '2026-11-29T10:44:25.047Z', commit: '295d858', kernel: '6.0', node: '20.20.2', loadAverageAtStart: 4.12 }
    const md = render({ machine: machine('abc1234'), sections: { windows: {}, workerStart: {}, rootlessStart: {} }, sectionsFrom: { windows: earlier, workerStart: earlier } })
    expect(md).toContain('Run now: rootlessStart. Kept from earlier runs (`--merge`): windows, workerStart from the run of 2026-11-29T10:44:25.047Z (commit 295d858, Linux 6.0; load average 4.12 at its start).')
    expect(render({ machine: machine('abc1234'), sections: { windows: {} } })).not.toContain('--merge')
  })
})
