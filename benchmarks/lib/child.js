// Runs a benchmark entry (../entry/*.js) in its own Node process and returns the JSON it prints.
// Progress goes to stderr, which is passed through; stdout carries only the result.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { asUserArgv } from './as-user.js'

export function entryPath(name) {
  return fileURLToPath(new URL(`../entry/${name}`, import.meta.url))
}

/** `runAs` (from as-user.js prepareUser): run the entry as that user instead of this process's own. */
export function runEntry(name, job, { nodeArgs = [], timeoutMs = 600_000, cwd, runAs = null } = {}) {
  return new Promise((resolve, reject) => {
    const [command, args] = asUserArgv(runAs, [process.execPath, ...nodeArgs, entryPath(name), JSON.stringify(job)])
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd })
    const chunks = []
    child.stdout.on('data', (chunk) => chunks.push(chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const stdout = Buffer.concat(chunks).toString()
      if (code !== 0) return reject(new Error(`benchmarks/entry/${name} failed (${signal ?? `exit ${code}`})${signal === 'SIGKILL' ? ` after the ${timeoutMs / 1000} s limit` : ''}`))
      try {
        resolve(JSON.parse(stdout))
      } catch {
        reject(new Error(`benchmarks/entry/${name} printed no JSON result: ${stdout.slice(0, 200)}`))
      }
    })
  })
}
