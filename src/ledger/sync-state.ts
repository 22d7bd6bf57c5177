/**
 * The incremental sync state in Redis: per target, every pair Zoho confirmed and its entry fields, as
 * short digests (src/plan/pair-state.ts). Shared by every worker on every machine. Keys (P = RELSYNC_PREFIX):
 *   P:state:targets               hash   target id → the target described (JSON), for `relsync state`
 *   P:state:{target}:{bucket}     hash   pair field → confirmation day + fields digest; expires
 *                                        RELSYNC_INCREMENTAL_MAX_AGE_DAYS + 1 day after its last write
 *
 * A row's state is written by the script that records its outcome (run-ledger.ts `recordOutcomes`,
 * with the ops `stateOps` builds, run by STATE_WRITE_LUA), and only when that outcome is newly
 * written: a crash can never leave a success without its state, nor a state without its success.
 */
import type { Redis } from 'ioredis';
import { bucketOf, confirmedDay, DIGEST_CHARS, NOT_HELD, OTHER_FIELDS, PAIR_FIELD_CHARS, pairField, stateValue, writePairField, type SyncTarget } from '../plan/pair-state.js';

/**
 * What the outcomes of one call do to the state: each row's pair is remembered with `digest` (a
 * success), or forgotten (`digest` absent: an error, so the pair is sent again next time).
 */
export interface PairStateChange {
  targetId: string;
  base: string;
  /** Confirmation day (pair-state.ts dayOf) and how long the bucket lives after this write. */
  day: number;
  ttlS: number;
  pairs: ReadonlyArray<{ row: number; related: string; digest?: string }>;
}

/**
 * The Lua that applies the state ops, run inside the outcome script after its outcomes: `written[pos]`
 * is true for the outcomes (1-based, in ARGV order) newly written; `stateFrom` is the ARGV index of the
 * first state arg, `stateTo` the last. Args: ttl seconds, then quads (outcome position, KEYS index,
 * field, value; '' = forget).
 */
export const STATE_WRITE_LUA = `
if stateTo >= stateFrom then
  local ttl = ARGV[stateFrom]
  local touched = {}
  for j = stateFrom + 1, stateTo, 4 do
    if written[tonumber(ARGV[j])] then
      local key = KEYS[tonumber(ARGV[j + 1])]
      if ARGV[j + 3] == '' then
        redis.call('HDEL', key, ARGV[j + 2])
      else
        redis.call('HSET', key, ARGV[j + 2], ARGV[j + 3])
      end
      touched[key] = true
    end
  end
  for key in pairs(touched) do redis.call('EXPIRE', key, ttl) end
end`;

/**
 * The extra KEYS (from `firstKey` on) and ARGV of a state change, for the outcome script. `positionOf`
 * maps a row to its outcome's 1-based position in that script; rows without one are left out.
 */
export function stateOps(prefix: string, change: PairStateChange, positionOf: (row: number) => number | undefined, firstKey: number): { keys: string[]; args: string[] } {
  const key = bucketKey(prefix, change.targetId, bucketOf(change.base));
  const args: string[] = [String(change.ttlS)];
  for (const pair of change.pairs) {
    const position = positionOf(pair.row);
    if (position === undefined) continue;
    const value = pair.digest === undefined ? '' : stateValue(pair.digest, change.day);
    args.push(String(position), String(firstKey), pairField(change.base, pair.related), value);
  }
  return args.length === 1 ? { keys: [], args: [] } : { keys: [key], args };
}

export function bucketKey(prefix: string, targetId: string, bucket: string): string {
  return `${prefix}:state:${targetId}:${bucket}`;
}

/** What `relsync state show` tells of one target. */
export interface TargetSummary {
  target: Omit<SyncTarget, 'id'> & { id: string };
  pairs: number;
  /** Redis memory of its buckets (MEMORY USAGE, sampled whole), bytes. */
  memoryBytes: number;
  /** Oldest confirmation held (day number), or undefined when no pair is held. */
  oldestDay?: number;
}

const PIPELINE = 1_000;
/** Pairs looked up by one script. */
const LOOKUP_PAIRS = 5_000;

// KEYS: bucket keys; ARGV: for each key, how many fields, then those fields. Returns the values in
// order (false, sent as nil, where none).
const LOOKUP_LUA = `
local out = {}
local at = 1
local size = 0
for k = 1, #KEYS do
  local n = tonumber(ARGV[at])
  local values = redis.call('HMGET', KEYS[k], unpack(ARGV, at + 1, at + n))
  for i = 1, n do out[size + i] = values[i] end
  size = size + n
  at = at + n + 1
end
return out`;

// KEYS: bucket keys. ARGV[1]: the pairs' fields, PAIR_FIELD_CHARS each; ARGV[2]: the digests they are
// sent with, DIGEST_CHARS each; ARGV[3…]: per key, how many of the pairs are in it. Returns one string,
// 3 characters a pair: the day it was confirmed (base 36) when held with that digest, '!!!' when held
// with another, '~~~' when not held.
const CONFIRMATIONS_LUA = `
local fields, digests = ARGV[1], ARGV[2]
local sub, call = string.sub, redis.call
local out, p, f, d = {}, 0, 1, 1
for k = 1, #KEYS do
  local n = tonumber(ARGV[k + 2])
  local names = {}
  for i = 1, n do
    names[i] = sub(fields, f, f + ${PAIR_FIELD_CHARS - 1})
    f = f + ${PAIR_FIELD_CHARS}
  end
  local values = call('HMGET', KEYS[k], unpack(names))
  for i = 1, n do
    local v = values[i]
    if not v then
      out[p + i] = '~~~'
    elseif sub(v, 4) ~= sub(digests, d, d + ${DIGEST_CHARS - 1}) then
      out[p + i] = '!!!'
    else
      out[p + i] = sub(v, 1, 3)
    end
    d = d + ${DIGEST_CHARS}
  end
  p = p + n
end
return table.concat(out)`;

/** The 3 characters CONFIRMATIONS_LUA answers for one pair, at `offset`: NOT_HELD, OTHER_FIELDS or the day. */
function confirmationAt(reply: Buffer, offset: number): number {
  const first = reply[offset]!;
  if (first === 0x7e) return NOT_HELD;
  if (first === 0x21) return OTHER_FIELDS;
  let day = 0;
  for (let i = offset; i < offset + 3; i++) {
    const c = reply[i]!;
    day = day * 36 + (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  return day;
}

export class SyncStateStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  get #targetsKey(): string {
    return `${this.#prefix}:state:targets`;
  }

  /** Remember what a target is, for `relsync state show` (once per import). */
  async registerTarget(target: SyncTarget): Promise<void> {
    const { id, ...described } = target;
    await this.#redis.hset(this.#targetsKey, id, JSON.stringify(described));
  }

  /**
   * What is held of each pair (null: nothing), in the order given. Pairs of one base share a bucket:
   * one HMGET per run of pairs with the same base, all run by one script per LOOKUP_PAIRS pairs (a
   * command per base cost the client more than Redis its work).
   */
  async lookup(targetId: string, pairs: ReadonlyArray<{ base: string; related: string }>): Promise<Array<string | null>> {
    const found: Array<string | null> = [];
    for (let start = 0; start < pairs.length; start += LOOKUP_PAIRS) {
      const slice = pairs.slice(start, start + LOOKUP_PAIRS);
      const keys: string[] = [];
      const args: string[] = [];
      let from = 0;
      for (let i = 1; i <= slice.length; i++) {
        if (i < slice.length && slice[i]!.base === slice[from]!.base) continue;
        const base = slice[from]!.base;
        keys.push(bucketKey(this.#prefix, targetId, bucketOf(base)));
        args.push(String(i - from));
        for (let k = from; k < i; k++) args.push(pairField(base, slice[k]!.related));
        from = i;
      }
      const values = (await this.#redis.eval(LOOKUP_LUA, keys.length, ...keys, ...args)) as Array<string | null>;
      for (const value of values) found.push(value ?? null);
    }
    return found;
  }

  /**
   * What the state holds of each pair, against the fields it is sent with, written to `into` from
   * `at` on in order: the day Zoho confirmed it (held with the same fields' digest), OTHER_FIELDS or
   * NOT_HELD (pair-state.ts `judgeConfirmation` decides). A group's pairs share a base, so one HMGET;
   * all groups go in one script, and its answer is one string (3 bytes a pair): a million pairs make
   * no million reply strings. Returns the pairs read.
   */
  confirmations<E extends { related: string }>(
    targetId: string, groups: ReadonlyArray<{ base: string; entries: readonly E[] }>, digestOf: (entry: E) => string, into: Int32Array, at = 0,
  ): Promise<number> {
    const keys: string[] = [];
    const counts: number[] = [];
    let pairs = 0;
    for (const { base, entries } of groups) {
      if (entries.length === 0) continue;
      keys.push(bucketKey(this.#prefix, targetId, bucketOf(base)));
      counts.push(entries.length);
      pairs += entries.length;
    }
    if (pairs === 0) return Promise.resolve(0);
    const fields = Buffer.allocUnsafe(pairs * PAIR_FIELD_CHARS);
    const digests = Buffer.allocUnsafe(pairs * DIGEST_CHARS);
    let i = 0;
    for (const { base, entries } of groups) {
      for (const entry of entries) {
        writePairField(base, entry.related, fields, i * PAIR_FIELD_CHARS);
        const digest = digestOf(entry);
        for (let c = 0; c < DIGEST_CHARS; c++) digests[i * DIGEST_CHARS + c] = digest.charCodeAt(c);
        i += 1;
      }
    }
    return (this.#redis.callBuffer('EVAL', CONFIRMATIONS_LUA, keys.length, ...keys, fields, digests, ...counts) as Promise<Buffer>).then((reply) => {
      for (let k = 0; k < pairs; k++) into[at + k] = confirmationAt(reply, k * 3);
      return pairs;
    });
  }

  /** Forget pairs (links removed by an unlink or a mirror): they are sent again by the next incremental run. Returns how many were held. */
  async forgetPairs(targetId: string, pairs: ReadonlyArray<{ base: string; related: string }>): Promise<number> {
    let removed = 0;
    for (let start = 0; start < pairs.length; start += PIPELINE) {
      const pipeline = this.#redis.pipeline();
      for (const { base, related } of pairs.slice(start, start + PIPELINE)) pipeline.hdel(bucketKey(this.#prefix, targetId, bucketOf(base)), pairField(base, related));
      for (const [error, count] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        removed += Number(count);
      }
    }
    return removed;
  }

  /** The targets held (all, or the one asked for) with their pairs, memory and oldest confirmation. */
  async describe(targetId?: string): Promise<TargetSummary[]> {
    const described = await this.#redis.hgetall(this.#targetsKey);
    const ids = targetId === undefined ? Object.keys(described).sort() : [targetId];
    const summaries: TargetSummary[] = [];
    for (const id of ids) {
      const target = described[id] ? { id, ...(JSON.parse(described[id]) as Omit<SyncTarget, 'id'>) } : undefined;
      if (!target) continue;
      summaries.push({ target, ...(await this.#measure(id)) });
    }
    return summaries;
  }

  async #measure(targetId: string): Promise<Omit<TargetSummary, 'target'>> {
    let pairs = 0;
    let memoryBytes = 0;
    let oldestDay: number | undefined;
    for await (const keys of this.#bucketKeys(targetId)) {
      const pipeline = this.#redis.pipeline();
      for (const key of keys) pipeline.hvals(key).memory('USAGE', key, 'SAMPLES', '0');
      const results = (await pipeline.exec()) ?? [];
      for (let i = 0; i < results.length; i += 2) {
        const values = (results[i]![1] ?? []) as string[];
        pairs += values.length;
        memoryBytes += Number(results[i + 1]![1] ?? 0);
        for (const value of values) {
          const day = confirmedDay(value);
          if (oldestDay === undefined || day < oldestDay) oldestDay = day;
        }
      }
    }
    return oldestDay === undefined ? { pairs, memoryBytes } : { pairs, memoryBytes, oldestDay };
  }

  /** Remove a target's state (or every target's): the next incremental run sends everything. Returns the pairs removed. */
  async clear(targetId?: string): Promise<number> {
    const ids = targetId === undefined ? Object.keys(await this.#redis.hgetall(this.#targetsKey)) : [targetId];
    let removed = 0;
    for (const id of ids) {
      for await (const keys of this.#bucketKeys(id)) {
        const pipeline = this.#redis.pipeline();
        for (const key of keys) pipeline.hlen(key);
        pipeline.unlink(...keys);
        const results = (await pipeline.exec()) ?? [];
        removed += results.slice(0, -1).reduce((sum, [, count]) => sum + Number(count), 0);
      }
      await this.#redis.hdel(this.#targetsKey, id);
    }
    return removed;
  }

  /** A target's bucket keys, in batches (SCAN: 65,536 keys at most). */
  async *#bucketKeys(targetId: string): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', bucketKey(this.#prefix, targetId, '*'), 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}
