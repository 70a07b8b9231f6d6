// A plain child (not a pool worker) that prints its namespaces as JSON.
const { readlinkSync } = require('node:fs')
const kinds = ['net', 'mnt', 'ipc', 'uts']
process.stdout.write(JSON.stringify(Object.fromEntries(kinds.map((kind) => [kind, readlinkSync(`/proc/self/ns/${kind}`)]))))
