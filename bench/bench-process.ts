/**
 * Process plumbing for the benchmark: children measured in a fresh process (so their RSS is theirs
 * alone), their memory sampled while they work, and one cleanup stack that stops every process and
 * server the benchmark started, on success, failure or Ctrl-C.
 *
 * Children run compiled JavaScript under plain `node`, as production does (`node dist/...`): under
 * tsx every process would carry its loader thread and transpiled sources, ~26 MB of RSS that no
 * deployed worker has. `compileForChildren` emits src/, jobs/ and bench/ with tsc before the runs.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { resourceUsage } from 'node:process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const MB = 1024 * 1024;

/** Closers run in reverse order of registration; each runs once even if cleanup is asked twice. */
export class Cleanup {
  readonly #closers: Array<{ name: string; close: () => Promise<unknown> }> = [];

  add(name: string, close: () => Promise<unknown>): () => Promise<void> {
    let done = false;
    const once = async (): Promise<void> => {
      if (done) return;
      done = true;
      const at = this.#closers.indexOf(entry);
      if (at !== -1) this.#closers.splice(at, 1);
      await close();
    };
    const entry = { name, close: once };
    this.#closers.push(entry);
    return once;
  }

  async runAll(): Promise<void> {
    while (this.#closers.length > 0) {
      const closer = this.#closers[this.#closers.length - 1]!;
      try {
        await closer.close();
      } catch (error) {
        process.stderr.write(`bench cleanup: ${closer.name}: ${(error as Error).message}\n`);
      }
    }
  }
}

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** Inside the repository, so the compiled files resolve node_modules and "type": "module" as the sources do. */
const BUILD_DIR = join(REPO, 'bench', '.build');

/**
 * Compiles src/, jobs/ and bench/ into bench/.build with the project's compiler options. Type errors
 * do not stop the emit (`npm run typecheck` is where they are reported); a missing file would.
 */
export async function compileForChildren(): Promise<string> {
  await rm(BUILD_DIR, { recursive: true, force: true });
  await mkdir(BUILD_DIR, { recursive: true });
  const config = join(BUILD_DIR, 'tsconfig.json');
  await writeFile(config, JSON.stringify({
    extends: join(REPO, 'tsconfig.json'),
    compilerOptions: { noEmit: false, outDir: BUILD_DIR, rootDir: REPO, declaration: false, sourceMap: false, incremental: false },
    include: ['src', 'jobs', 'workers', 'bench'].map((folder) => join(REPO, folder)),
    exclude: [BUILD_DIR],
  }));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', config], { cwd: REPO }).catch((error: { stdout?: string }) => {
    process.stderr.write(`bench: tsc reported type errors (emitted anyway):\n${error.stdout ?? String(error)}\n`);
  });
  return BUILD_DIR;
}

export interface ChildOptions {
  /** Write a V8 CPU profile of the child (`node --cpu-prof`) into this folder. */
  cpuProfDir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `bench/<script>` in a fresh Node process and resolves with the one result it sends. The child
 * is killed if cleanup runs first (a failure elsewhere, Ctrl-C).
 */
export function runChild<T>(cleanup: Cleanup, script: string, input: unknown, options: ChildOptions = {}): Promise<T> {
  const child = startChild(script, input, options);
  const kill = cleanup.add(`child ${script}`, () => killChild(child));
  return new Promise<T>((resolve, reject) => {
    let result: T | undefined;
    let failure: string | undefined;
    child.on('message', (message: ChildMessage<T>) => {
      if (message.type === 'result') result = message.value;
      else failure = message.error;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      void kill();
      if (result !== undefined && code === 0) resolve(result);
      else reject(new Error(`bench/${script.replace(/^\.\//, '')} failed (exit ${code ?? signal}): ${failure ?? 'no result'}`));
    });
  });
}

/** Starts a long-running child (one that waits for 'stop'); the caller owns it. `script`: e.g. './ingest-child.ts'. */
export function startChild(script: string, input: unknown, options: ChildOptions = {}): ChildProcess {
  const execArgv = ['--expose-gc'];
  if (options.cpuProfDir !== undefined) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  const path = join(BUILD_DIR, 'bench', script.replace(/\.ts$/, '.js'));
  return fork(path, [JSON.stringify(input)], { execArgv, env: options.env ?? process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

type ChildMessage<T> = { type: 'result'; value: T } | { type: 'error'; error: string };

/** The child side: parse the input, run, send the result (or the error), exit. */
export function childMain<I, T>(run: (input: I) => Promise<T>): void {
  const input = JSON.parse(process.argv[2] ?? '{}') as I;
  run(input).then(
    (value) => process.send?.({ type: 'result', value } satisfies ChildMessage<T>, () => process.exit(0)),
    (error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.send?.({ type: 'error', error: text } satisfies ChildMessage<T>, () => process.exit(1));
    },
  );
}

/**
 * Peak RSS of this process while something runs: sampled every `everyMs` (to see when, and how the
 * peak splits between the JS heap and buffers) and read from the kernel's high-water mark (getrusage
 * maxrss, which no sample can miss).
 */
export class MemorySampler {
  readonly #timer: NodeJS.Timeout;
  readonly #startedAt = performance.now();
  readonly startRssMb: number;
  #peak: MemoryAtPeak;
  readonly #timeline: Array<[atMs: number, rssMb: number]> = [];

  constructor(everyMs = 10) {
    this.startRssMb = process.memoryUsage.rss() / MB;
    this.#peak = this.#read();
    this.#timer = setInterval(() => {
      // rss() alone is cheap; the full breakdown is read only for a new peak.
      const rssMb = process.memoryUsage.rss() / MB;
      if (rssMb > this.#peak.rssMb) this.#peak = this.#read();
      const atMs = performance.now() - this.#startedAt;
      if (this.#timeline.length === 0 || atMs - this.#timeline.at(-1)![0] >= 250) this.#timeline.push([Math.round(atMs), round1(rssMb)]);
    }, everyMs);
  }

  #read(): MemoryAtPeak {
    const usage = process.memoryUsage();
    return {
      atMs: Math.round(performance.now() - this.#startedAt),
      rssMb: round1(usage.rss / MB),
      heapTotalMb: round1(usage.heapTotal / MB),
      heapUsedMb: round1(usage.heapUsed / MB),
      externalMb: round1(usage.external / MB),
    };
  }

  stop(): MemoryFigures {
    clearInterval(this.#timer);
    const maxRssMb = (resourceUsage().maxRSS * 1024) / MB;
    return { startRssMb: round1(this.startRssMb), maxRssMb: round1(maxRssMb), atPeak: this.#peak, rssTimeline: this.#timeline };
  }
}

export interface MemoryAtPeak {
  /** Since sampling started. */
  atMs: number;
  rssMb: number;
  heapTotalMb: number;
  heapUsedMb: number;
  /** Buffers and typed arrays outside the JS heap. */
  externalMb: number;
}

export interface MemoryFigures {
  startRssMb: number;
  /** The process's RSS high-water mark (getrusage), whole life included. */
  maxRssMb: number;
  /** The sample with the highest RSS. */
  atPeak: MemoryAtPeak;
  /** [ms, MB] every 250 ms. */
  rssTimeline: Array<[number, number]>;
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** A full collection, when node runs with --expose-gc (npm run bench does). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
