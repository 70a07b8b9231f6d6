import { existsSync, readFileSync } from 'node:fs'
import { ALL_KINDS, namespaceIds, type NamespaceIds } from '@isolane/core/internal'
import { defineCommand } from '../command.js'
import { UsageError } from '../errors.js'
import { bold, dim, ok, table } from '../output.js'

export const nsCommand = defineCommand({
  name: 'ns',
  synopsis: '[PID...]',
  summary: 'namespace ids of processes, side by side',
  description: ['The namespace of every kind each process is in, as lsns(8) shows them, and whether the processes share it or are isolated from each other. Without PID: isolane itself and its parent (your shell).'],
  options: {},
  operands: 'some',
  exitStatus: ['0 when every process could be read.'],
  examples: ['isolane ns $$ 4242'],
  run: ({ operands, rest }) => ns([...operands, ...(rest ?? [])]),
})

/** `isolane ns [PID...]`: the namespace ids of processes side by side, as lsns(8) shows them. */
export function ns(args: readonly string[], write: (text: string) => void = (t) => process.stdout.write(t)): number {
  const pids = args.length > 0 ? args.map(parsePid) : [process.pid, process.ppid]
  const ids = new Map<number, NamespaceIds>()
  for (const pid of pids) ids.set(pid, namespaceIds(pid))
  const first = ids.get(pids[0]!)!
  const rows = ALL_KINDS.map((kind) => {
    const values = pids.map((pid) => ids.get(pid)![kind])
    const shared = values.every((value) => value === values[0])
    const cells = values.map((value) => (value === first[kind] ? String(value) : bold(String(value))))
    return [kind, ...cells, pids.length > 1 ? (shared ? dim('shared') : ok('isolated')) : '']
  })
  const header = ['kind', ...pids.map((pid) => `${pid} (${commandOf(pid)})`), pids.length > 1 ? 'between them' : '']
  write(`${table(header, rows)}\n`)
  return 0
}

function parsePid(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`"${text}" is not a process id`, 'ns')
  if (!existsSync(`/proc/${text}`)) throw new UsageError(`no process has the id ${text} (ps -e lists them)`, 'ns')
  return Number(text)
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return '?'
  }
}
