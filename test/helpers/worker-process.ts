/**
 * Real `relsync worker` processes for the fault tests: spawned with tsx from the sources, killed for
 * real. Ready when the worker logs "worker started"; stdout and stderr are kept for secret checks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** tsx's loader by absolute URL, so a child whose cwd is elsewhere still runs the sources. */
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

export function relsyncCommand(args: string[], env: Record<string, string>, cwd = ROOT): ChildProcess {
  return spawn(process.execPath, ['--import', TSX_LOADER, join(ROOT, 'workers/relsync.ts'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `logLevel`: default 'info' (the ready line is an info line); the secrets test runs at 'trace'. */
export async function spawnWorker(env: Record<string, string>, options: { readyTimeoutMs?: number; logLevel?: string } = {}): Promise<WorkerProcess> {
  const child = relsyncCommand(['worker'], { ...env, LOG_LEVEL: options.logLevel ?? 'info' });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (!out.includes('"msg":"worker started"')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start: ${out.slice(-2_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, exited, output: () => out, kill: (signal) => child.kill(signal) };
}

/** Poll `check` until it returns a value, or fail after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
