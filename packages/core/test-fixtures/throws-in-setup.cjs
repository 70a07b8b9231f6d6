// A module plugin that fails in the child's setup: the child must exit before any of its code.
exports.setup = () => {
  throw new Error('the test database is not there')
}
