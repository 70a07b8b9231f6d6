// `isolane ls`, `isolane enter NAME [-- CMD]`, `isolane rm NAME | --all`: the workers an adapter
// kept after their file failed (`keep: 'on-failure'`), held by a process each (core's kept.ts).
import { spawnSync } from 'node:child_process'
import { constants } from 'node:os'
import { enterCommand as nsenterCommand, findKept, IsolaneError, listKept, releaseKept, type KeptWorker } from '@isolane/core/internal'
import { defineCommand } from '../command.js'
import { UsageError } from '../errors.js'
import { bad, dim, ok, table } from '../output.js'

const KEPT_BY = "An adapter keeps the namespaces of a worker whose file failed with keep: 'on-failure' (isolane({ keep }), isolane-mocha --isolane-keep on-failure); isolane run --keep NAME keeps a command's."

export const lsCommand = defineCommand({
  name: 'ls',
  synopsis: '',
  summary: "workers kept after their file failed (keep: 'on-failure')",
  description: [`Name, spec file, age, kinds, hostname, and whether the namespaces are still held. ${KEPT_BY}`],
  options: {},
  operands: 'none',
  exitStatus: ['0, with kept workers or without.'],
  examples: ['isolane ls'],
  run: () => ls(),
})

export const enterCommand = defineCommand({
  name: 'enter',
  synopsis: 'NAME [-- CMD [ARGS...]]',
  summary: "run CMD (default: your shell) in a kept worker's namespaces",
  description: [
    "CMD sees the worker's network, /tmp, /dev/shm and hostname as its file left them: ss -ltn, ls /tmp, hostname. Through util-linux nsenter(1), as you, into the worker's user namespace first when it has one.",
  ],
  options: {},
  operands: 'some',
  exitStatus: ["CMD's exit status (128+N when signal N ended it); nsenter's 126 or 127 when CMD could not be run or was not found."],
  examples: ['isolane enter fails-with-evidence-w1', 'isolane enter fails-with-evidence-w1 -- cat /tmp/evidence.txt'],
  run: ({ operands, rest }) => enter(operands, rest),
})

export const rmCommand = defineCommand({
  name: 'rm',
  synopsis: 'NAME... | --all',
  summary: 'release kept workers: their namespaces end, nothing is left',
  description: ['Ends the process that holds each kept worker\'s namespaces, and its record: the namespaces go with it.'],
  options: {
    all: { type: 'boolean', help: 'every kept worker (isolane ls lists them)' },
  },
  operands: 'some',
  exitStatus: ['0 when every one named was released.'],
  examples: ['isolane rm fails-with-evidence-w1', 'isolane rm --all'],
  run: ({ values, operands, rest }) => rm([...operands, ...(rest ?? [])], values.all === true),
})

type Write = (text: string) => void
const stdout: Write = (text) => process.stdout.write(text)

/** `isolane ls`: name, file, age, kinds, and whether the namespaces are still there. */
export function ls(write: Write = stdout): number {
  const kept = listKept()
  if (kept.length === 0) {
    write(`${dim(`No kept workers. ${KEPT_BY}`)}\n`)
    return 0
  }
  const rows = kept.map((worker) => [worker.name, worker.file ?? '-', age(worker.keptAt), worker.kinds.join(','), worker.hostname ?? '-', worker.alive ? ok(`held by pid ${worker.pid}`) : bad('gone (its holder ended)')])
  write(`${table(['name', 'file', 'age', 'kinds', 'hostname', 'namespaces'], rows)}\n`)
  write(`${dim('Step in: isolane enter NAME [-- CMD]   Release: isolane rm NAME | --all')}\n`)
  return 0
}

/** `isolane enter NAME [-- CMD ARGS...]`: CMD (default: the user's shell) in the kept worker's namespaces; its exit status. */
export function enter(operands: readonly string[], command: readonly string[] = []): number {
  const [name, extra] = operands
  if (name === undefined) throw new UsageError('isolane enter needs the name of a kept worker: isolane enter NAME [-- CMD ARGS...] (names: isolane ls)', 'enter')
  if (extra !== undefined) throw new UsageError(`isolane enter NAME takes the command after --, as in: isolane enter ${name} -- ss -ltn`, 'enter')
  const worker = findKept(name)
  if (!worker.alive) throw new UsageError(`the namespaces of "${name}" are gone (their holder, pid ${worker.pid}, ended): release the record with isolane rm ${name}`, 'enter')
  const [file, ...rest] = nsenterCommand(worker, command.length > 0 ? command : [process.env.SHELL || '/bin/sh'])
  const result = spawnSync(file!, rest, { stdio: 'inherit' })
  if (result.error) {
    const fix = 'install util-linux (apt-get install util-linux, dnf install util-linux, apk add util-linux-misc)'
    throw new IsolaneError('ISOLANE_LAUNCHER_MISSING', `could not run nsenter(1) of util-linux, which isolane enter uses: ${result.error.message}. To fix: ${fix}.`, { hint: fix })
  }
  return result.status ?? 128 + (result.signal ? (constants.signals[result.signal] ?? 0) : 0)
}

/** `isolane rm NAME... | --all`: ends the holders; the namespaces go with them, and nothing is left. */
export function rm(names: readonly string[], all: boolean, write: Write = stdout): number {
  if (names.length === 0 && !all) throw new UsageError('isolane rm needs the names of kept workers, or --all (names: isolane ls)', 'rm')
  const workers: KeptWorker[] = all ? listKept() : names.map((name) => findKept(name))
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
