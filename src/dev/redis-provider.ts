/**
 * Redis for the demo on a machine that may have nothing but Node: REDIS_URL when set; otherwise a
 * private redis-server (installed with apt-get when missing and we are root on Debian/Ubuntu, by the
 * installer the tests use too: system-programs.ts; otherwise one line saying what to run).
 */
import { ErrorCodes, UserError } from '../errors.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';
import { providePrograms, REDIS_SERVER } from './system-programs.js';

export async function providePrivateRedis(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<PrivateRedis> {
  const [redisServer] = await providePrograms([REDIS_SERVER], { path: env.PATH ?? '', log });
  if (!redisServer || 'missing' in redisServer) {
    throw new UserError(ErrorCodes.REDIS_UNREACHABLE, 'redis-server is not installed and REDIS_URL is not set: run `sudo apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), or set REDIS_URL to a Redis >= 6.2');
  }
  return startPrivateRedis({ binary: redisServer.path });
}
