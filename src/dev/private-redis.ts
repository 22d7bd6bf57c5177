/**
 * A private redis-server on a free loopback port in a temporary folder: the demo's Redis when
 * REDIS_URL is unset, the benchmark's, and the tests' (which also stop and restart it for real in the
 * fault tests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  /** SIGTERM (or SIGKILL) the server and wait for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again on the same port and folder (AOF replays when enabled). */
  start(): Promise<void>;
  /** Stop and remove the folder. */
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `password`: require it (`--requirepass`); the URL then carries it, as a REDIS_URL would. */
export async function startPrivateRedis(options: { appendonly?: boolean; binary?: string; password?: string } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'relsync-redis-'));
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      '--save', '', '--appendonly', options.appendonly ? 'yes' : 'no',
      '--appendfsync', 'always', '--maxmemory-policy', 'noeviction', '--daemonize', 'no',
      ...(options.password === undefined ? [] : ['--requirepass', options.password]),
    ];
    const proc = spawn(options.binary ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          proc.stdout?.off('data', onData);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`redis-server exited early (${code}): ${out.slice(-500)}`)));
    });
    proc.stdout?.resume();
    proc.stderr?.resume();
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill(signal);
    await exited;
  };

  await start();
  return {
    url: options.password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
    port,
    dir,
    stop,
    start,
    destroy: async () => {
      await stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
