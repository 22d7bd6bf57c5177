/**
 * Real `relsync` processes (commands and workers): spawned with tsx from the sources, killed for real.
 * Their stdout and stderr are kept, apart and together, for the CLI contract and the secret checks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { eventually } from './eventually.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** tsx's loader by absolute URL, so a child whose cwd is elsewhere still runs the sources. */
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface RelsyncProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr interleaved as they came. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process and its output have closed. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

/** `relsync <args>` with only PATH, HOME and `env` in its environment; `cwd` defaults to the repository. */
export function startRelsync(args: string[], env: Record<string, string>, cwd = ROOT): RelsyncProcess {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(ROOT, 'workers/relsync.ts'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output += chunk.toString();
  });
  const exited = once(child, 'close').then(([code, signal]) => (code ?? signal) as number | string);
  return { child, stdout: () => stdout, stderr: () => stderr, output: () => output, exited, kill: (signal) => child.kill(signal) };
}

/**
 * A `relsync worker`, resolved once it logs "worker started". `logLevel`: default 'info' (the ready
 * line is an info line); the secrets test runs at 'trace'.
 */
export async function spawnWorker(env: Record<string, string>, options: { readyTimeoutMs?: number; logLevel?: string } = {}): Promise<RelsyncProcess> {
  const worker = startRelsync(['worker'], { ...env, LOG_LEVEL: options.logLevel ?? 'info' });
  try {
    await eventually('the "worker started" line', () => {
      if (worker.child.exitCode !== null) throw new Error(`exited with ${worker.child.exitCode}`);
      return worker.output().includes('"msg":"worker started"');
    }, { timeoutMs: options.readyTimeoutMs ?? 30_000 });
  } catch (error) {
    worker.kill('SIGKILL');
    throw new Error(`worker did not start (${(error as Error).message}): ${worker.output().slice(-2_000)}`);
  }
  return worker;
}
