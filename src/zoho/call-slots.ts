/**
 * The org-wide cap on Zoho calls in flight (ZOHO_CONCURRENCY) for the calls made outside a sync job:
 * the links an unlink or mirror reads, the lookup tables, `relsync check`, the dry-run preview.
 *
 * The cap is one number in Redis, the sync queue's global concurrency: BullMQ starts a sync job only
 * while the queue's active jobs are fewer than it, and each active job makes one call at a time. A call
 * outside the queue holds a slot of that same cap: in one Lua script it counts the queue's active jobs
 * and the other slots held, takes a slot only when both together leave one free, and lowers the
 * queue's concurrency by the slots held, so BullMQ starts no job into it. A caller that finds no free
 * slot reserves one (`waiting`): the queue's concurrency is lowered for it too, so the active jobs drain
 * to make room and a read is not starved by a queue that always has work. Jobs and calls together
 * therefore never exceed the limit.
 *
 * The limit itself (ZOHO_CONCURRENCY as the governor lowers and raises it after 429s) is kept in a key
 * of its own; `setLimit` is what the governor writes (concurrency-governor.ts), and the queue's
 * concurrency is always `limit - held - waiting`, at least 0. Each slot and reservation is a lease: a
 * process that dies holding one gives it back when the lease lapses (`settle` runs on every take, give
 * back and limit change, and a worker runs it every few seconds).
 *
 * Hazard: this reads BullMQ's own keys (the queue's `meta` hash field `concurrency`, its `active`
 * list, its `marker`), passed in by the wiring from `queue.keys`; a BullMQ upgrade must keep them.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The sync queue's BullMQ keys (`queue.keys`): `meta` holds the global concurrency, `active` the active jobs, `marker` wakes workers. */
export interface SyncQueueKeys {
  meta: string;
  active: string;
  marker: string;
}

export interface CallSlotsOptions {
  redis: Redis;
  prefix: string;
  queueKeys: SyncQueueKeys;
  /** ZOHO_CONCURRENCY: the limit until the governor sets another. */
  max: number;
  /** How long a held slot lasts unless renewed (renewed every third of it while the call runs). Default 60 s. */
  leaseMs?: number;
  /** How long a reservation lasts unless the waiting caller looks again. Default 3 s. */
  waitLeaseMs?: number;
  /** Longest pause between two looks for a free slot. Default 250 ms. */
  pollMaxMs?: number;
  now?: () => number;
}

// KEYS: limit, held (zset member → lease end), waiting (zset), queue meta, queue active, queue marker.
// The common part: drop lapsed leases, write the queue's concurrency, wake workers when it rose.
const SETTLE_LUA = `
local function settle(now, max)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  local limit = tonumber(redis.call('GET', KEYS[1]) or max)
  local held = redis.call('ZCARD', KEYS[2])
  local concurrency = math.max(0, limit - held - redis.call('ZCARD', KEYS[3]))
  local before = tonumber(redis.call('HGET', KEYS[4], 'concurrency') or '-1')
  if before ~= concurrency then
    redis.call('HSET', KEYS[4], 'concurrency', concurrency)
    if concurrency > before then redis.call('ZADD', KEYS[6], 0, '0') end
  end
  return {limit, held}
end
`;

// ARGV: now, max, holder, lease end, reservation end. Returns 1 (slot taken) or 0 (reserved: look again).
const TAKE_LUA = `${SETTLE_LUA}
local now = tonumber(ARGV[1])
local state = settle(now, tonumber(ARGV[2]))
if redis.call('LLEN', KEYS[5]) + state[2] < state[1] then
  redis.call('ZREM', KEYS[3], ARGV[3])
  redis.call('ZADD', KEYS[2], tonumber(ARGV[4]), ARGV[3])
  settle(now, tonumber(ARGV[2]))
  return 1
end
redis.call('ZADD', KEYS[3], tonumber(ARGV[5]), ARGV[3])
settle(now, tonumber(ARGV[2]))
return 0`;

// ARGV: now, max, holder.
const GIVE_BACK_LUA = `${SETTLE_LUA}
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[3])
settle(tonumber(ARGV[1]), tonumber(ARGV[2]))
return 1`;

// ARGV: now, max, holder, lease end. Renews a held slot (not one that lapsed).
const RENEW_LUA = `
return redis.call('ZADD', KEYS[2], 'XX', tonumber(ARGV[4]), ARGV[3])`;

// ARGV: now, max, new limit (or '' to keep it).
const SET_LIMIT_LUA = `${SETTLE_LUA}
if ARGV[3] ~= '' then redis.call('SET', KEYS[1], ARGV[3]) end
settle(tonumber(ARGV[1]), tonumber(ARGV[2]))
return 1`;

export class CallSlots {
  readonly #o: Required<CallSlotsOptions>;
  readonly #keys: string[];

  constructor(options: CallSlotsOptions) {
    this.#o = { leaseMs: 60_000, waitLeaseMs: 3_000, pollMaxMs: 250, now: Date.now, ...options };
    const { prefix, queueKeys } = options;
    this.#keys = [`${prefix}:zoho:slots:limit`, `${prefix}:zoho:slots:held`, `${prefix}:zoho:slots:waiting`, queueKeys.meta, queueKeys.active, queueKeys.marker];
  }

  /** The limit: ZOHO_CONCURRENCY as the governor set it (not lowered by the slots held). */
  async getGlobalConcurrency(): Promise<number> {
    const stored = await this.#o.redis.get(this.#keys[0]!);
    return stored === null ? this.#o.max : Number(stored);
  }

  /** The governor's new limit (or, at a worker's start, ZOHO_CONCURRENCY). */
  async setGlobalConcurrency(limit: number): Promise<void> {
    await this.#eval(SET_LIMIT_LUA, limit);
  }

  /** Gives back the slots of callers that died, and writes the queue's concurrency again. */
  async settle(): Promise<void> {
    await this.#eval(SET_LIMIT_LUA, '');
  }

  /**
   * Waits for a slot and holds it until the returned function is called (which never throws). The
   * wait is as long as the queue's jobs and other calls fill the limit: never a failure by itself.
   */
  async take(options: { signal?: AbortSignal } = {}): Promise<() => Promise<void>> {
    const holder = randomUUID();
    for (let look = 0; ; look += 1) {
      options.signal?.throwIfAborted();
      const now = this.#o.now();
      if (Number(await this.#eval(TAKE_LUA, holder, now + this.#o.leaseMs, now + this.#o.waitLeaseMs)) === 1) break;
      await sleep(Math.min(this.#o.pollMaxMs, 10 * 2 ** Math.min(look, 5)), options.signal).catch(() => undefined);
    }
    const renewal = setInterval(() => {
      void this.#eval(RENEW_LUA, holder, this.#o.now() + this.#o.leaseMs).catch(() => undefined);
    }, Math.max(10, Math.floor(this.#o.leaseMs / 3)));
    renewal.unref();
    let given = false;
    return async () => {
      if (given) return;
      given = true;
      clearInterval(renewal);
      // A lost give-back (Redis away) is healed when the lease lapses.
      await this.#eval(GIVE_BACK_LUA, holder).catch(() => undefined);
    };
  }

  #eval(script: string, ...args: Array<string | number>): Promise<unknown> {
    return this.#o.redis.eval(script, this.#keys.length, ...this.#keys, this.#o.now(), this.#o.max, ...args);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
