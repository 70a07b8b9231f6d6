// `isolane ls`, `isolane enter NAME [-- CMD]`, `isolane rm NAME | --all`: the workers an adapter
// kept after their file failed (`keep: 'on-failure'`), held by a process each (core's kept.ts).
import { spawnSync } from 'node:child_process'
import { enterCommand, findKept, listKept, releaseKept, type KeptWorker } from '@isolane/core'
import { UsageError } from '../errors.js'
import { bad, dim, ok, table } from '../output.js'

type Write = (text: string) => void
const stdout: Write = (text) => process.stdout.write(text)

/** `isolane ls`: name, file, age, kinds, and whether the namespaces are still there. */
export function ls(args: readonly string[], write: Write = stdout): number {
  if (args.length > 0) throw new UsageError('isolane ls takes no arguments')
  const kept = listKept()
  if (kept.length === 0) {
    write(`${dim('No kept workers. An adapter keeps the namespaces of a worker whose file failed with keep: \'on-failure\'.')}\n`)
    return 0
  }
  const rows = kept.map((worker) => [worker.name, worker.file ?? '-', age(worker.keptAt), worker.kinds.join(','), worker.hostname ?? '-', worker.alive ? ok(`held by pid ${worker.pid}`) : bad('gone (its holder ended)')])
  write(`${table(['name', 'file', 'age', 'kinds', 'hostname', 'namespaces'], rows)}\n`)
  write(`${dim('Step in: isolane enter NAME [-- CMD]   Release: isolane rm NAME | --all')}\n`)
  return 0
}

/** `isolane enter NAME [-- CMD ARGS...]`: CMD (default: the user's shell) in the kept worker's namespaces; its exit status. */
export function enter(args: readonly string[]): number {
  const [name, separator, ...command] = args
  if (name === undefined || name.startsWith('-')) throw new UsageError('isolane enter needs the name of a kept worker: isolane enter NAME [-- CMD ARGS...] (names: isolane ls)')
  if (separator !== undefined && separator !== '--') throw new UsageError(`isolane enter NAME takes the command after --, as in: isolane enter ${name} -- ss -ltn`)
  const worker = findKept(name)
  if (!worker.alive) throw new UsageError(`the namespaces of "${name}" are gone (their holder, pid ${worker.pid}, ended): release the record with isolane rm ${name}`)
  const [file, ...rest] = enterCommand(worker, command.length > 0 ? command : [process.env.SHELL || '/bin/sh'])
  const result = spawnSync(file!, rest, { stdio: 'inherit' })
  if (result.error) throw new UsageError(`could not run nsenter(1) (util-linux), which isolane enter uses: ${result.error.message}. To fix: install util-linux`)
  return result.status ?? 128 + (result.signal ? 9 : 0)
}

/** `isolane rm NAME... | --all`: ends the holders; the namespaces go with them, and nothing is left. */
export function rm(args: readonly string[], write: Write = stdout): number {
  if (args.length === 0) throw new UsageError('isolane rm needs the names of kept workers, or --all (names: isolane ls)')
  const all = args.includes('--all')
  const workers: KeptWorker[] = all ? listKept() : args.map((name) => findKept(name))
  for (const worker of workers) {
    releaseKept(worker)
    write(`released ${worker.name}\n`)
  }
  if (all && workers.length === 0) write(`${dim('No kept workers.')}\n`)
  return 0
}

function age(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))
  if (seconds < 120) return `${seconds} s`
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`
  return `${Math.round(seconds / 3600)} h`
}
