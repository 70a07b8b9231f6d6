// The module both kinds of fork start in section 2: it says it is ready at once, then leaves.
process.send({ ready: process.pid }, () => process.disconnect())
