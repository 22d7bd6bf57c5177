/**
 * Redis for the demo on a machine that may have nothing but Node: REDIS_URL when set; otherwise a
 * private redis-server (installed with apt-get when missing and we are root on Debian/Ubuntu;
 * otherwise one line saying what to run).
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { ErrorCodes, UserError } from '../errors.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';

export async function findExecutable(name: string, path: string): Promise<string | undefined> {
  for (const dir of [...path.split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin']) {
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

function run(command: string, args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
    child.stdout.on('data', () => undefined);
    child.stderr.on('data', () => undefined);
    child.on('error', () => resolve(127));
    child.on('exit', (code) => resolve(code ?? 1));
    log(`$ ${command} ${args.join(' ')}`);
  });
}

/** Install redis-server with apt-get when we are root on a Debian-like system; true when it worked. */
async function installRedis(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<boolean> {
  const aptGet = await findExecutable('apt-get', env.PATH ?? '');
  if (!aptGet || process.getuid?.() !== 0) return false;
  log('redis-server is not installed; installing it from Debian packages (root, apt-get)…');
  if ((await run(aptGet, ['update', '-qq'], env, log)) !== 0) return false;
  return (await run(aptGet, ['install', '-y', '-qq', 'redis-server'], env, log)) === 0;
}

export async function providePrivateRedis(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<PrivateRedis> {
  const path = env.PATH ?? '';
  let binary = await findExecutable('redis-server', path);
  if (!binary && (await installRedis(env, log))) binary = await findExecutable('redis-server', path);
  if (!binary) {
    throw new UserError(ErrorCodes.REDIS_UNREACHABLE, 'redis-server is not installed and REDIS_URL is not set: run `sudo apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), or set REDIS_URL to a Redis >= 6.2');
  }
  return startPrivateRedis({ binary });
}
