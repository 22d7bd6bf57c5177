/**
 * Programs the demo and the tests need from the system — redis-server, headless Chromium for the
 * dashboard test, OpenSSH's sshd for the SFTP tests — so that the README's two commands work on a machine that has neither: found on
 * PATH, else installed with apt-get when we are root on a Debian-like system, else one line saying
 * what to install. The decision (`planPrograms`) takes its `which` and `isRoot` injected, so a test
 * can ask it with a PATH that lacks them, without uninstalling anything.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface SystemProgram {
  /** The executable looked for on PATH. */
  executable: string;
  /** Debian's package that provides it (Ubuntu's own `chromium` is a snap wrapper: Debian only). */
  debianPackage: string;
  /** How to get it elsewhere, for the one line when it cannot be installed here. */
  elsewhere: string;
}

export const REDIS_SERVER: SystemProgram = { executable: 'redis-server', debianPackage: 'redis-server', elsewhere: '`brew install redis` (macOS)' };
/** OpenSSH's server, for the tests of SFTP sources: run as the current user on a loopback port, never the system's. */
export const SSHD: SystemProgram = { executable: 'sshd', debianPackage: 'openssh-server', elsewhere: 'OpenSSH (its sshd, on PATH or in /usr/sbin)' };
export const CHROMIUM: SystemProgram = { executable: 'chromium', debianPackage: 'chromium', elsewhere: 'any Chromium, as /usr/bin/chromium or on PATH' };

/** Folders searched after PATH: a root shell's PATH may lack them, and redis-server sits in sbin on some systems. */
const EXTRA_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin'];

/** The first executable file `name` on `path` (then the usual bin folders); undefined when none. */
export async function findExecutable(name: string, path: string, extraDirs: readonly string[] = EXTRA_DIRS): Promise<string | undefined> {
  for (const dir of [...path.split(delimiter), ...extraDirs]) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface PlanContext {
  /** Where an executable is, or undefined. */
  which: (name: string) => Promise<string | undefined>;
  /** May we install system packages (root)? */
  isRoot: boolean;
}

export type ProgramsPlan =
  /** Every program is here. */
  | { kind: 'found'; paths: string[] }
  /** Run `apt-get update`, then `apt-get install` these packages, then look again. */
  | { kind: 'install'; aptGet: string; packages: string[] }
  /** Some cannot be had here: one line per missing program saying what to install. */
  | { kind: 'missing'; lines: string[] };

/** What to do to have every one of `programs`: the decision alone, nothing run. */
export async function planPrograms(programs: readonly SystemProgram[], ctx: PlanContext): Promise<ProgramsPlan> {
  const paths = await Promise.all(programs.map((program) => ctx.which(program.executable)));
  const missing = programs.filter((_, i) => paths[i] === undefined);
  if (missing.length === 0) return { kind: 'found', paths: paths as string[] };
  const aptGet = ctx.isRoot ? await ctx.which('apt-get') : undefined;
  if (aptGet) return { kind: 'install', aptGet, packages: missing.map((program) => program.debianPackage) };
  return { kind: 'missing', lines: missing.map(missingLine) };
}

export function missingLine(program: SystemProgram): string {
  return `${program.executable} is not installed: run \`sudo apt-get install -y ${program.debianPackage}\` (Debian/Ubuntu) or install ${program.elsewhere}`;
}

export interface ProvideOptions {
  /** PATH to search and to run apt-get with. */
  path: string;
  /** One line per step taken (an install takes minutes: say so). */
  log: (line: string) => void;
  /** Default: PATH plus the usual bin folders. */
  which?: (name: string) => Promise<string | undefined>;
  /** Default: the process runs as root. */
  isRoot?: boolean;
}

/**
 * Each program's path, or undefined with the line saying what to install; installs the missing ones
 * first when it can (one `apt-get update`, one `apt-get install` for all of them).
 */
export async function providePrograms(programs: readonly SystemProgram[], options: ProvideOptions): Promise<Array<{ path: string } | { missing: string }>> {
  const ctx: PlanContext = {
    which: options.which ?? ((name) => findExecutable(name, options.path)),
    isRoot: options.isRoot ?? process.getuid?.() === 0,
  };
  const plan = await planPrograms(programs, ctx);
  if (plan.kind === 'install') {
    options.log(`not installed: ${plan.packages.join(', ')}; installing from Debian packages (root, apt-get; this takes a few minutes)…`);
    const env = { PATH: options.path, DEBIAN_FRONTEND: 'noninteractive' };
    if ((await run(plan.aptGet, ['update', '-qq'], env, options.log)) === 0) {
      await run(plan.aptGet, ['install', '-y', '-qq', '--no-install-recommends', ...plan.packages], env, options.log);
    }
  }
  return Promise.all(programs.map(async (program) => {
    const path = await ctx.which(program.executable);
    return path === undefined ? { missing: missingLine(program) } : { path };
  }));
}

function run(command: string, args: string[], env: Record<string, string>, log: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    log(`$ ${command} ${args.join(' ')}`);
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2_000);
    });
    child.on('error', () => resolve(127));
    child.on('exit', (code) => {
      if (code !== 0) log(`${command} failed (${code}): ${stderr.trim().split('\n').pop() ?? ''}`);
      resolve(code ?? 1);
    });
  });
}
