// The command line's parsing and help, from the commands' definitions: no namespaces needed.
import { describe, expect, it } from 'vitest'
import { closest, didYouMean } from './closest.js'
import { parseRun } from './commands/run.js'
import { commandHelp, overview } from './help.js'
import { COMMANDS } from './main.js'
import { parseCommandLine } from './parse.js'

function usageError(action: () => unknown): { code?: string; message: string; command?: string } {
  try {
    action()
  } catch (error) {
    return error as { code?: string; message: string; command?: string }
  }
  throw new Error('expected a usage error')
}

describe('isolane run [options] [--] CMD [ARGS...]', () => {
  it('reads isolane\'s options up to -- and leaves the rest to CMD', () => {
    expect(parseRun(['--net', '--uts', '--hostname', 'h1', '--', 'sh', '-c', 'exit 3'])).toEqual({
      isolation: { namespaces: ['net', 'uts'], tmpfs: [], mqueue: false, hostname: 'h1' },
      dryRun: false,
      keep: undefined,
      command: 'sh',
      args: ['-c', 'exit 3'],
    })
  })

  it('ends isolane\'s options at the first argument that is not one: CMD keeps its own, even isolane\'s names', () => {
    expect(parseRun(['--dry-run', 'node', '--net', '-e', '1', '--', 'x'])).toMatchObject({ isolation: {}, dryRun: true, command: 'node', args: ['--net', '-e', '1', '--', 'x'] })
    expect(parseRun(['node', '--help'])).toMatchObject({ command: 'node', args: ['--help'] })
    expect(parseRun(['--', '--weird-command'])).toMatchObject({ command: '--weird-command', args: [] })
  })

  it('takes values inline or after the option, --tmpfs more than once, and the kinds in any order', () => {
    expect(parseRun(['--tmpfs', '/tmp', '--tmpfs=/var/tmp', '--way=user-namespace', '--keep', 'k', 'true'])).toMatchObject({
      isolation: { tmpfs: ['/tmp', '/var/tmp'], way: 'user-namespace' },
      keep: 'k',
      command: 'true',
    })
    expect(parseRun(['--uts', '--net', 'true']).isolation.namespaces).toEqual(['net', 'uts'])
  })

  it.each([
    [['--hostnme', 'x', '--', 'true'], /^unknown option --hostnme for isolane run; did you mean --hostname\?$/],
    [['--netz', '--', 'true'], /^unknown option --netz for isolane run; did you mean --net\?$/],
    [['--dryrun', 'true'], /did you mean --dry-run\?/],
    [['--frobnicate', 'true'], /^unknown option --frobnicate for isolane run; it takes --net, --mount, .*--dry-run, --help$/],
    [['-x', 'true'], /^unknown option -x for isolane run/],
    [['--constructor', 'true'], /^unknown option --constructor for isolane run/],
    [['--hostname'], /^--hostname needs a value \(NAME\)$/],
    [['--hostname', '--', 'true'], /^--hostname needs a value \(NAME\), and "--" looks like an option; to give it anyway: --hostname=--$/],
    [['--way', 'fast', 'true'], /^--way takes auto, privileged, user-namespace, not "fast"$/],
    [['--way=privleged', 'true'], /not "privleged"; did you mean privileged\?$/],
    [['--net=yes', 'true'], /^--net takes no value, and was given "yes"/],
    [[], /^isolane run needs a command: isolane run \[options\] -- CMD \[ARGS\.\.\.\]$/],
    [['--net', '--'], /needs a command/],
    [['--keep', 'k', '--pid', 'true'], /^--keep holds the namespaces with a process left in them/],
  ])('refuses %j, saying what to do, as a usage error of run', (argv, message) => {
    const error = usageError(() => parseRun(argv))
    expect(error).toMatchObject({ code: 'ISOLANE_USAGE', command: 'run' })
    expect(error.message).toMatch(message)
  })
})

describe('every command', () => {
  it.each(COMMANDS.map((command) => [command.name, command] as const))('%s: its help lists exactly the options its parser takes, and -h/--help asks for it', (_, command) => {
    expect(parseCommandLine(command, ['--help'])).toBe('help')
    expect(parseCommandLine(command, ['-h'])).toBe('help')
    const help = commandHelp(command)
    expect(help.startsWith(`Usage: isolane ${command.name}`)).toBe(true)
    const options = help.slice(help.indexOf('\nOptions:\n'), help.indexOf('\nExit status:\n'))
    const listed = [...options.matchAll(/^ {2}(?:-h, )?--([a-z-]+)/gm)].map((match) => match[1])
    expect(listed).toEqual([...Object.keys(command.options), 'help'])
    for (const [name, option] of Object.entries(command.options)) {
      // What the help shows is what the parser takes: the option, with a value where it shows one.
      const value = option.choices?.[0] ?? 'x'
      const argv = option.type === 'string' ? [`--${name}`, value] : [`--${name}`]
      const parsed = parseCommandLine(command, [...argv, ...(command.operands === 'command' ? ['true'] : [])])
      expect(parsed, `--${name}`).not.toBe('help')
      expect(parsed !== 'help' && parsed.values[name], `--${name}`).toEqual(option.type === 'boolean' ? true : option.multiple ? [value] : value)
      expect(help).toContain(option.help.split(' ').slice(0, 3).join(' '))
      expect(overview(COMMANDS)).toContain(`--${name}${option.value ? ` ${option.value}` : ''}`)
    }
    expect(overview(COMMANDS)).toContain(`isolane ${command.name} ${command.synopsis}`.trimEnd())
  })

  it('takes operands where it has some, and refuses them where it has none', () => {
    const [ns, ls, enter, rm] = ['ns', 'ls', 'enter', 'rm'].map((name) => COMMANDS.find((command) => command.name === name)!)
    expect(parseCommandLine(ns!, ['1', '2'])).toMatchObject({ operands: ['1', '2'], rest: undefined })
    expect(parseCommandLine(enter!, ['w1', '--', 'ss', '-ltn'])).toMatchObject({ operands: ['w1'], rest: ['ss', '-ltn'] })
    expect(parseCommandLine(rm!, ['a', '--all'])).toMatchObject({ values: { all: true }, operands: ['a'] })
    expect(usageError(() => parseCommandLine(ls!, ['x']))).toMatchObject({ message: 'isolane ls takes no arguments, and was given "x"', command: 'ls' })
    expect(usageError(() => parseCommandLine(rm!, ['--al']))).toMatchObject({ message: 'unknown option --al for isolane rm; did you mean --all?' })
  })

  it('are all in the overview, with every exit status', () => {
    const text = overview(COMMANDS)
    for (const status of ['0', '1', '2', '125', '126, 127', 'other']) expect(text).toMatch(new RegExp(`^ {2}${status} +\\S`, 'm'))
  })
})

describe('closest', () => {
  it('finds the word a typo meant, or none when nothing is close', () => {
    const options = ['--net', '--mount', '--hostname', '--dry-run', '--tmpfs']
    expect(closest('--hostnme', options)).toEqual(['--hostname'])
    expect(closest('--hsotname', options)).toEqual(['--hostname'])
    expect(closest('--mout', options)).toEqual(['--mount'])
    expect(closest('--dry', options)).toEqual(['--dry-run'])
    expect(closest('--frobnicate', options)).toEqual([])
    expect(closest('rnu', ['doctor', 'run', 'ns', 'ls', 'enter', 'rm'])).toEqual(['run'])
    // The kind's own name is as close to two options: both are said.
    expect(didYouMean('--mnt', options)).toBe('did you mean --net or --mount?')
    expect(didYouMean('--frobnicate', options)).toBe('')
  })
})
