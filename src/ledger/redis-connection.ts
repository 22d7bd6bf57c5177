/**
 * Redis connections. BullMQ workers need `maxRetriesPerRequest: null` (commands wait through a Redis
 * restart instead of failing); short-lived CLI commands fail fast with one clear line instead.
 */
import { Redis } from 'ioredis';
import { UserError, ErrorCodes } from '../errors.js';
import { redactUrl } from '../config/config.js';

export interface ConnectionOptions {
  /** Keep retrying through outages (workers, `import --wait`); false = fail fast (one-shot commands). */
  persistent: boolean;
  /**
   * Told of connection errors. ioredis reconnects by itself and commands wait meanwhile, so an
   * outage is not a failure; without a listener ioredis prints every refused reconnect to stderr.
   */
  onError?: (error: Error) => void;
}

export function createRedis(url: string, options: ConnectionOptions): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: options.persistent ? null : 2,
    enableReadyCheck: true,
    connectTimeout: 5_000,
    lazyConnect: true,
    // Back off up to 2 s between reconnects; a restarted Redis is picked up within that.
    retryStrategy: (times) => (options.persistent || times < 3 ? Math.min(times * 200, 2_000) : null),
  });
  redis.on('error', options.onError ?? (() => undefined));
  return redis;
}

/** Connect now, or throw a UserError that names the (redacted) URL. */
export async function connectRedis(redis: Redis, url: string): Promise<Redis> {
  // ioredis rejects with "Connection is closed."; the cause (ECONNREFUSED, NOAUTH…) comes as an event.
  let cause: Error | undefined;
  const remember = (error: Error): void => {
    cause = error;
  };
  redis.on('error', remember);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    const why = (cause ?? (error as Error)).message;
    throw new UserError(ErrorCodes.REDIS_UNREACHABLE, `Redis unreachable at ${redactUrl(url)} (REDIS_URL): ${why}`, { cause: error, isRetryable: true });
  } finally {
    redis.off('error', remember);
  }
}

/**
 * Redis answers but refuses to write: `OOM` (maxmemory reached with noeviction), `MISCONF` (it cannot
 * persist), `READONLY` (a replica), `LOADING` (still reading its data after a restart). Work must wait
 * for it, never count it as a failure of the job: nothing it refused was written.
 */
const WRITE_REFUSALS: Readonly<Record<string, string>> = {
  OOM: 'OOM — maxmemory reached',
  MISCONF: 'MISCONF — it cannot save its data to disk',
  READONLY: 'READONLY — a read-only replica',
  LOADING: 'LOADING — still loading its data',
};

export function redisWriteRefusal(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : '';
  const word = /^(?:ERR\s+)?([A-Z]+)\b/.exec(message)?.[1];
  return word !== undefined && Object.hasOwn(WRITE_REFUSALS, word) ? WRITE_REFUSALS[word] : undefined;
}

export function isRedisWriteRefusal(error: unknown): boolean {
  return redisWriteRefusal(error) !== undefined;
}
