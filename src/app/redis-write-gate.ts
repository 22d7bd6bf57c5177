/**
 * Redis refusing writes (OOM with noeviction, MISCONF, READONLY, LOADING) pauses the whole worker:
 * both BullMQ workers stop taking jobs (a local pause: it writes nothing), one line says why, and a
 * probe write is tried with bounded backoff until Redis takes writes again; then the workers resume.
 * Jobs that were active when Redis refused are recovered by BullMQ's stall check (or the reconciler):
 * nothing Redis refused is taken as written.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redisWriteRefusal } from '../ledger/redis-connection.js';
import { backoffDelayMs } from '../zoho/backoff.js';

export interface PausableWorker {
  pause(doNotWaitActive?: boolean): Promise<void>;
  resume(): void | Promise<void>;
}

export interface RedisWriteGate {
  /** Look at an error; a write refusal pauses the workers (once) and starts probing. */
  observe(error: unknown): void;
  readonly paused: boolean;
  close(): void;
}

export function createRedisWriteGate(options: { redis: Redis; prefix: string; workers: PausableWorker[]; log: Logger; maxProbeMs?: number }): RedisWriteGate {
  const probeKey = `${options.prefix}:probe:${randomBytes(4).toString('hex')}`;
  const maxProbeMs = options.maxProbeMs ?? 30_000;
  let paused = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const probe = (attempt: number): void => {
    timer = setTimeout(() => {
      options.redis.set(probeKey, '1', 'PX', 5_000)
        .then(async () => {
          paused = false;
          for (const worker of options.workers) await worker.resume();
          options.log.info('Redis accepts writes again: work resumes');
        })
        .catch(() => {
          if (!closed) probe(attempt + 1);
        });
    }, backoffDelayMs(Math.min(attempt, 6), { baseMs: 500, maxMs: maxProbeMs }));
    timer.unref();
  };

  return {
    observe(error) {
      const refusal = redisWriteRefusal(error);
      if (refusal === undefined || paused || closed) return;
      paused = true;
      options.log.error({ reason: refusal }, `Redis refuses writes: ${refusal}; work paused until it takes writes again`);
      for (const worker of options.workers) void worker.pause(true).catch(() => undefined);
      probe(1);
    },
    get paused() {
      return paused;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
