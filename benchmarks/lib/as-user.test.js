import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { asUserArgv, failureSummary, shellQuote } from './as-user.js'

describe('running commands as another user', () => {
  it('quotes a word for /bin/sh only when it needs it, and the shell reads it back unchanged', () => {
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node')
    expect(shellQuote('--reporter=dot')).toBe('--reporter=dot')
    const tricky = "it's $HOME `x` \"y\" a b"
    expect(spawnSync('/bin/sh', ['-c', `printf %s ${shellQuote(tricky)}`], { encoding: 'utf8' }).stdout).toBe(tricky)
  })

  it('goes through runuser with the arguments as they are, through su as one quoted command, or not at all', () => {
    const argv = ['/usr/bin/node', '-e', "console.log('hi')"]
    expect(asUserArgv(null, argv)).toEqual(['/usr/bin/node', ['-e', "console.log('hi')"]])
    expect(asUserArgv({ user: null }, argv)).toEqual(['/usr/bin/node', ['-e', "console.log('hi')"]])
    expect(asUserArgv({ user: 'bench', via: 'runuser' }, argv)).toEqual(['runuser', ['-u', 'bench', '--', ...argv]])
    expect(asUserArgv({ user: 'bench', via: 'su' }, argv)).toEqual(['su', ['bench', '-s', '/bin/sh', '-c', `/usr/bin/node -e 'console.log('\\''hi'\\'')'`]])
  })

  it('sums a failed run up in its first line and the error that says what went wrong', () => {
    const output = [
      'the isolane run as isolane-bench failed (exit 1):',
      ' RUN  v4.1.12 /work/main/fixtures/vitest/many-files',
      'Error: something generic',
      'IsolaneError: a user namespace of its own for each worker is not possible here either: ...',
    ].join('\n')
    expect(failureSummary(output)).toBe('the isolane run as isolane-bench failed (exit 1): IsolaneError: a user namespace of its own for each worker is not possible here either: ...')
    expect(failureSummary('one line only')).toBe('one line only')
    expect(failureSummary('failed:\n    at x\nError [ERR_X]: no')).toBe('failed: Error [ERR_X]: no')
    expect(failureSummary('x'.repeat(1000)).length).toBe(400)
  })
})
