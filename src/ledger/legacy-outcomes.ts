/**
 * Outcomes as relsync stored them before they were packed (packed-outcomes.ts): one field per row of
 * `P:ledger:import:{id}:outcomes`, the row number → `packOutcome` JSON. An import recorded that way
 * (in flight or finished when the workers were upgraded) keeps being read and written that way until
 * retention removes it, so its rows keep their first outcome and its report can still be rewritten.
 * The run ledger tells the two apart by the packed layout's `count` field, which every packed write sets.
 */
import type { Redis } from 'ioredis';
import type { RowOutcome, RowStatus } from '../domain/row-outcome.js';
import { packOutcome, unpackOutcome } from './packed-outcomes.js';

// KEYS[1] outcomes hash, KEYS[2] import hash; ARGV triples: row, packed outcome, status counter.
// Returns the positions (1-based, in ARGV order) of the outcomes newly written.
const RECORD_LEGACY_OUTCOMES_LUA = `
local added = {}
for i = 1, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('HINCRBY', KEYS[2], ARGV[i + 2], 1)
    added[#added + 1] = (i + 2) / 3
  end
end
return added`;

/** Whether the outcomes hash holds rows the old way: fields, and none of the packed layout's. */
export async function isLegacyOutcomes(redis: Redis, outcomesKey: string): Promise<boolean> {
  const [length, count] = await Promise.all([redis.hlen(outcomesKey), redis.hexists(outcomesKey, 'count')]);
  return length > 0 && count === 0;
}

/** The positions (1-based) of the outcomes newly written. */
export async function recordLegacyOutcomes(redis: Redis, keys: { outcomes: string; record: string }, outcomes: readonly RowOutcome[]): Promise<number[]> {
  const args: Array<string | number> = [];
  for (const outcome of outcomes) args.push(outcome.row, packOutcome(outcome), outcome.status);
  return (await redis.eval(RECORD_LEGACY_OUTCOMES_LUA, 2, keys.outcomes, keys.record, ...args)) as number[];
}

export async function getLegacyOutcomes(redis: Redis, outcomesKey: string, rows: readonly number[]): Promise<Array<RowOutcome | undefined>> {
  const packed = await redis.hmget(outcomesKey, ...rows.map(String));
  return packed.map((value, i) => (value === null ? undefined : unpackOutcome(rows[i]!, value)));
}

export async function legacyRowsWithoutOutcome(redis: Redis, outcomesKey: string, total: number, batchSize = 5_000): Promise<number[]> {
  const missing: number[] = [];
  for (let start = 1; start <= total; start += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, total - start + 1) }, (_, i) => start + i);
    const found = await redis.hmget(outcomesKey, ...rows.map(String));
    found.forEach((value, i) => value === null && missing.push(rows[i]!));
  }
  return missing;
}

export async function legacyRowsWithStatus(redis: Redis, outcomesKey: string, status: RowStatus): Promise<number[]> {
  const rows: number[] = [];
  const want = `["${({ success: 's', error: 'e', skipped: 'k' } as const)[status]}"`;
  let cursor = '0';
  do {
    const [next, entries] = await redis.hscan(outcomesKey, cursor, 'COUNT', 2_000);
    cursor = next;
    for (let i = 0; i < entries.length; i += 2) if (entries[i + 1]!.startsWith(want)) rows.push(Number(entries[i]));
  } while (cursor !== '0');
  return rows.sort((a, b) => a - b);
}
