// `node --require child-setup.cjs exec.cjs CMD ARGS...`: a command that is not Node, started the
// user-namespace way. The preload has set the namespaces up; this replaces the process with CMD.
const { execInPlace } = require('../child-setup.js') as typeof import('../child-setup.js')

try {
  execInPlace(process.argv.slice(2))
} catch (error) {
  const code = (error as { code?: string }).code
  process.stderr.write(`isolane: ${(error as Error).message}\n`)
  process.exit(code === 'ENOENT' ? 127 : 126)
}
