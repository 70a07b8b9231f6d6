// What a command of `isolane` is: one definition, from which its arguments are parsed (parse.ts,
// with node:util parseArgs) and its help is written (help.ts), so that the help lists exactly what
// the parser accepts.

export interface OptionSpec {
  readonly type: 'boolean' | 'string'
  /** A string option given more than once keeps every value (`--tmpfs A --tmpfs B`). */
  readonly multiple?: boolean
  /** The value's name in the help: NAME, PATH. */
  readonly value?: string
  /** The only values it takes, checked before the command runs. */
  readonly choices?: readonly string[]
  /** One line or more: wrapped in the help. */
  readonly help: string
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S['multiple'] extends true ? string[] : string

/** The options a command was given, typed from its definition: absent ones are undefined. */
export type Values<O extends OptionSpecs> = { -readonly [K in keyof O]?: ValueOf<O[K]> }

export interface Parsed<O extends OptionSpecs> {
  readonly values: Values<O>
  /** The arguments that are not options, before any `--`. */
  readonly operands: readonly string[]
  /**
   * What follows `--` (undefined without it). For a command that runs one (`operands: 'command'`),
   * the first operand and everything after it too: `isolane run node -e 1` runs `node -e 1`.
   */
  readonly rest: readonly string[] | undefined
}

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  readonly name: string
  /** After `isolane NAME`, in the usage line: `[options] -- CMD [ARGS...]`. */
  readonly synopsis: string
  /** One line, for the list of commands. */
  readonly summary: string
  /** Paragraphs for the command's own help (`isolane help NAME`), wrapped. */
  readonly description: readonly string[]
  readonly options: O
  /**
   * `none`: the command takes no operand; `some`: names or ids (the command checks them);
   * `command`: a command to run, which starts at the first argument that is not an option of
   * isolane's, or after `--`, and keeps its own options.
   */
  readonly operands: 'none' | 'some' | 'command'
  /** How the command exits, beyond the exit statuses every command shares (help.ts). */
  readonly exitStatus: readonly string[]
  readonly examples: readonly string[]
  run(parsed: Parsed<O>): number | Promise<number>
}

/** Keeps the option names' types, so that `run` reads `values.hostname` as a string. */
export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec
}
