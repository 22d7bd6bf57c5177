/**
 * An import's lookup tables, kept in Redis for every worker under the import: the first to need a
 * table reads it from Zoho (under a short lock, so two workers never both read it) and stores it;
 * every later reader, on any worker, and a re-run of ingest after a crash, gets the same table, so
 * rows are resolved the same way throughout one import. The key holds the import id: the next import
 * reads the table afresh.
 *   P:lookup:{import id}:{lookup}        string  the table, as JSON (expires after `ttlS`)
 *   P:lookup:{import id}:{lookup}:lock   string  who is reading it
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ErrorCodes, RelsyncError } from '../errors.js';

export interface LookupCacheOptions {
  /** How long a stored table is kept, in s. Default 7 days: ingest reads it within minutes; a re-run after a crash within the import's retries. */
  ttlS?: number;
  /** Lock lifetime, in ms: longer than a read of Zoho can take (three tries). Default 120 000. */
  lockTtlMs?: number;
  /** How often a waiting worker looks for the table, in ms. Default 100. */
  pollMs?: number;
  /** How long a worker waits for another's read before giving up (retryable), in ms. Default: lockTtlMs. */
  waitMs?: number;
}

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export class LookupCache {
  readonly #o: Required<LookupCacheOptions>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: LookupCacheOptions = {},
  ) {
    const lockTtlMs = options.lockTtlMs ?? 120_000;
    this.#o = { ttlS: 7 * 86_400, lockTtlMs, pollMs: 100, waitMs: lockTtlMs, ...options };
  }

  /** The table stored for (import, lookup); else the one `read` returns, stored for everyone. */
  async getOrRead<T>(importId: string, lookup: string, read: () => Promise<T>): Promise<T> {
    const key = `${this.prefix}:lookup:${importId}:${lookup}`;
    const lockKey = `${key}:lock`;
    const startedAt = Date.now();
    for (;;) {
      const stored = await this.redis.get(key);
      if (stored !== null) return JSON.parse(stored) as T;
      const holder = randomUUID();
      if ((await this.redis.set(lockKey, holder, 'PX', this.#o.lockTtlMs, 'NX')) === 'OK') {
        try {
          // Another worker may have stored it between our GET and our lock.
          const again = await this.redis.get(key);
          if (again !== null) return JSON.parse(again) as T;
          const table = await read();
          await this.redis.set(key, JSON.stringify(table), 'EX', this.#o.ttlS);
          return table;
        } finally {
          await this.redis.eval(RELEASE_LUA, 1, lockKey, holder);
        }
      }
      if (Date.now() - startedAt > this.#o.waitMs) {
        throw new RelsyncError(ErrorCodes.LOOKUP_READ_FAILED, `lookup ${lookup} of import ${importId}: another worker has been reading it for over ${this.#o.waitMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.#o.pollMs));
    }
  }
}
