export { main } from './main.js'
export { parseRun, type RunRequest } from './commands/run.js'
