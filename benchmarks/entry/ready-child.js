// The module every kind of fork starts in sections 2 and 2b: it says it is ready at once, with
// how long after its own process started its main module ran (performance.now(): whatever a
// preload did before it is in there), then leaves.
process.send({ ready: process.pid, mainMs: performance.now() }, () => process.disconnect())
