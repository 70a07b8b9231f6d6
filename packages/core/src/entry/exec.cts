// `node --require child-setup.cjs exec.cjs CMD ARGS...`: a command that is not Node, started the
// user-namespace way. The preload has set the namespaces up; this replaces the process with CMD.
const { execInPlace } = require('../child-setup.js') as typeof import('../child-setup.js')
const { holdNamespaces, HOLD_FD_ENV } = require('../kept.js') as typeof import('../kept.js')
const { closeSync, writeSync } = require('node:fs') as typeof import('node:fs')

try {
  // `isolane run --keep`: a process that holds these namespaces after the command, its pid for the parent.
  const holdFd = process.env[HOLD_FD_ENV]
  if (holdFd !== undefined) {
    delete process.env[HOLD_FD_ENV]
    writeSync(Number(holdFd), `${holdNamespaces()}\n`)
    closeSync(Number(holdFd))
  }
  execInPlace(process.argv.slice(2))
} catch (error) {
  const code = (error as { code?: string }).code
  process.stderr.write(`isolane: ${(error as Error).message}\n`)
  process.exit(code === 'ENOENT' ? 127 : 126)
}
