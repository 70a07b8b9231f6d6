// Jest loads a runner with require() and takes module.exports itself as the class (an ES module's
// namespace would not be one): this entry hands it the class of the ES module.
const { default: IsolaneJestRunner } = require('./index.js') as typeof import('./index.js')
export = IsolaneJestRunner
