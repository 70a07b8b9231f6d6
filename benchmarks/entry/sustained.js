// Section 3, child side (started by lib/sustained.js, with --expose-gc): opens and closes many
// default-set windows back to back and samples, every block of windows, the rate, this process's
// memory and open descriptors, and the network namespaces the kernel still holds. Prints JSON.
import { createPlan, withIsolation } from '@isolane/core'
import { netNamespacesHeld, openFds } from '../lib/kernel-counters.js'

const job = JSON.parse(process.argv[2])
const plan = createPlan(job.options, { workerId: job.workerId })
const noop = () => undefined

function sample(done, blockMs, block) {
  // A full collection first, outside the timed block: what remains is what is really held.
  globalThis.gc?.()
  const memory = process.memoryUsage()
  const sorted = block ? Float64Array.from(block).sort() : null
  return {
    windows: done,
    blockMs,
    perSecond: blockMs ? (job.sampleEvery * 1000) / blockMs : null,
    medianUs: sorted ? sorted[sorted.length >> 1] : null,
    p99Us: sorted ? sorted[Math.floor(sorted.length * 0.99)] : null,
    rssKiB: Math.round(memory.rss / 1024),
    heapUsedKiB: Math.round(memory.heapUsed / 1024),
    externalKiB: Math.round(memory.external / 1024),
    fds: openFds(),
    netNamespaces: netNamespacesHeld(),
  }
}

// Node opens a descriptor (/dev/null) the first time it sets up a piped stdout or stderr: do it
// before the first sample, or it would count as a descriptor the windows leaked.
process.stderr.write(`  sustained[${job.workerId}]: pid ${process.pid}, ${job.windows} windows\n`)
void process.stdout
for (let i = 0; i < job.warmup; i++) withIsolation(plan, noop)
const samples = [sample(0, null, null)]
const block = new Float64Array(job.sampleEvery)
let done = 0
while (done < job.windows) {
  const blockStart = process.hrtime.bigint()
  for (let i = 0; i < job.sampleEvery; i++) {
    const start = process.hrtime.bigint()
    withIsolation(plan, noop)
    block[i] = Number(process.hrtime.bigint() - start) / 1e3
  }
  const blockMs = Number(process.hrtime.bigint() - blockStart) / 1e6
  done += job.sampleEvery
  samples.push(sample(done, blockMs, block))
  if (done % (job.sampleEvery * 5) === 0) process.stderr.write(`  sustained[${job.workerId}]: ${done}/${job.windows}\n`)
}
process.stdout.write(JSON.stringify({ pid: process.pid, samples }))
