/**
 * Our own credit budget (ZOHO_DAILY_CREDITS) over a rolling 24 hours, shared by every worker through
 * Redis. Zoho counts credits over a rolling 24-hour window and frees each spend 24 h after it was
 * made (docs/zoho.md#credits); we keep per-minute buckets and sum the last 24 h in one Lua script, so
 * two workers can never both take the last credit.
 */
import type { Redis } from 'ioredis';

export interface CreditBudgetOptions {
  redis: Redis;
  prefix: string;
  /** Credits allowed per window. */
  limit: number;
  /** Window length (ms). Default 24 h, as Zoho's. */
  windowMs?: number;
  /** Bucket width (ms): the resolution of "when is the next credit free". Default 1 minute (window/60 if smaller). */
  bucketMs?: number;
  now?: () => number;
}

export type CreditTake = { ok: true; used: number } | { ok: false; used: number; retryAtMs: number };

/** Why a call waits for a credit (a paused import's status, a command's one line): the same words wherever the budget is spent. */
export function creditBudgetSpent(limit: number, retryAtMs: number): string {
  return `ZOHO_DAILY_CREDITS budget of ${limit} credits per 24 h is used up; the next credit frees at ${new Date(retryAtMs).toISOString()}`;
}

// KEYS[1] hash bucketStart → credits. ARGV: now, windowMs, bucketMs, limit, credits.
// Returns {1, used} when taken, or {0, used, oldest bucket start} when the window is full.
const TAKE_LUA = `
local now, window, width, limit, credits = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local entries = redis.call('HGETALL', KEYS[1])
local used, oldest = 0, nil
for i = 1, #entries, 2 do
  local start = tonumber(entries[i])
  if start + window <= now then
    redis.call('HDEL', KEYS[1], entries[i])
  else
    used = used + tonumber(entries[i + 1])
    if oldest == nil or start < oldest then oldest = start end
  end
end
if used + credits > limit then return {0, used, oldest or now} end
local bucket = now - (now % width)
redis.call('HINCRBY', KEYS[1], tostring(bucket), credits)
redis.call('PEXPIRE', KEYS[1], window + width)
return {1, used + credits}`;

// KEYS[1] hash bucketStart → credits. ARGV: now, windowMs. Credits spent in the window (read-only).
const USED_LUA = `
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local entries = redis.call('HGETALL', KEYS[1])
local used = 0
for i = 1, #entries, 2 do
  if tonumber(entries[i]) + window > now then used = used + tonumber(entries[i + 1]) end
end
return used`;

export class CreditBudget {
  readonly #o: Required<CreditBudgetOptions>;
  readonly #key: string;

  constructor(options: CreditBudgetOptions) {
    const windowMs = options.windowMs ?? 86_400_000;
    // Buckets must be much narrower than the window, or a whole bucket would age out at once.
    this.#o = { windowMs, bucketMs: Math.max(1, Math.min(60_000, Math.floor(windowMs / 60))), now: Date.now, ...options };
    this.#key = `${options.prefix}:credits:buckets`;
  }

  get limit(): number {
    return this.#o.limit;
  }

  /** Credits spent in the rolling window now, by every worker (for metrics). */
  async used(): Promise<number> {
    return Number(await this.#o.redis.eval(USED_LUA, 1, this.#key, this.#o.now(), this.#o.windowMs));
  }

  /** Take `credits` if the window has room; otherwise say when the oldest spend frees up. */
  async tryTake(credits = 1): Promise<CreditTake> {
    const { redis, windowMs, bucketMs, limit, now } = this.#o;
    const t = now();
    const [taken, used, oldest] = (await redis.eval(TAKE_LUA, 1, this.#key, t, windowMs, bucketMs, limit, credits)) as number[];
    if (taken === 1) return { ok: true, used: used! };
    return { ok: false, used: used!, retryAtMs: Math.max(t + 1_000, oldest! + windowMs + bucketMs) };
  }
}
