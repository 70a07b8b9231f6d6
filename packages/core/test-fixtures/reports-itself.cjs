// A child that reports what it was given: namespaces, uid, capabilities of each of its threads,
// hostname, /tmp, execArgv and environment; then waits for a message or a signal (argv[2] 'wait'),
// with no handler of its own: a signal ends it as it ends any process.
const { readFileSync, readdirSync, readlinkSync } = require('node:fs')
const { hostname } = require('node:os')

const capEff = (path) => /^CapEff:\s*(\S+)$/m.exec(readFileSync(path, 'utf8'))[1]

// An async fs call first: libuv's threadpool starts now, made by the main thread after setup.
require('node:fs').readFile(__filename, () => {
  const report = {
    pid: process.pid,
    uid: process.getuid(),
    gid: process.getgid(),
    namespaces: Object.fromEntries(['net', 'mnt', 'ipc', 'uts', 'user', 'pid', 'cgroup'].map((k) => [k, readlinkSync(`/proc/self/ns/${k}`)])),
    capEff: capEff('/proc/self/status'),
    // By thread id, in the order the threads were made: the main thread, V8's, then libuv's threadpool.
    threads: readdirSync('/proc/self/task').map(Number).sort((a, b) => a - b).map((tid) => capEff(`/proc/self/task/${tid}/status`)),
    processes: readdirSync('/proc').filter((name) => /^\d+$/.test(name)),
    hostname: hostname(),
    tmp: readdirSync('/tmp'),
    execArgv: process.execArgv,
    setupVariable: process.env.ISOLANE_CHILD_SETUP ?? null,
    // Every module loaded so far, the preload's among them (an ES module loaded by require() is listed too).
    modules: Object.keys(require.cache),
  }
  if (process.send) process.send(report)
  else process.stdout.write(`${JSON.stringify(report)}\n`)
  if (process.argv[2] !== 'wait') return process.disconnect?.()
  setInterval(() => {}, 1000)
})
