/**
 * The run ledger's packed outcomes on a real Redis: whatever an outcome holds, it reads back as it was
 * written, across buckets, past the text table's end, with the first outcome of a row winning; and a
 * finished import's outcomes take a few bytes a row (MEMORY USAGE), not a hash field of JSON each.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { RowOutcome } from '../../src/domain/row-outcome.js';
import { BUCKET_ROWS, MAX_TEXTS, packOutcome } from '../../src/ledger/packed-outcomes.js';
import { RunLedger } from '../../src/ledger/run-ledger.js';
import { testPrefix, useRedis } from '../helpers/redis.js';

describe('RunLedger packed outcomes', () => {
  const redis = useRedis();
  let client: Redis;
  let ledger: RunLedger;
  beforeAll(() => {
    client = redis.client();
    ledger = new RunLedger(client, testPrefix());
  });

  const newImport = (id: string) => ledger.createImport({ id, origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });

  async function keysOf(id: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${ledger.importKey(id)}*`, 'COUNT', 1_000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found.sort();
  }

  it('reads back every outcome as written: ids of any size or shape, texts past the table, rows in any bucket', async () => {
    await newImport('imp-p');
    const B = BUCKET_ROWS;
    const outcomes: RowOutcome[] = [
      { row: 1, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '5725767000000649013' },
      { row: 2, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '18446744073709551615' }, // 2^64 - 1
      { row: 3, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '18446744073709551616' }, // 2^64: kept aside
      { row: 4, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '0042' },
      { row: 5, status: 'success', code: 'SUCCESS', message: 'relation updated', zohoId: 'abc-"1"' },
      { row: 6, status: 'success', code: 'SUCCESS', message: 'already associated' },
      { row: 7, status: 'error', code: 'INVALID_DATA', message: 'the id given seems to be invalid, "x", ünï 😀' },
      { row: 8, status: 'skipped', code: 'DUPLICATE_PAIR', message: 'same pair as row 1' },
      { row: 9, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '9007199254740993' }, // 2^53 + 1
      { row: B, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '1' },
      { row: B + 1, status: 'error', code: 'NO_RESULT', message: '' },
      { row: 5 * B + 7, status: 'skipped', code: 'CANCELLED', message: 'relsync cancel' },
    ];
    // More distinct texts than the table holds: the later ones are kept aside, by row.
    for (let i = 0; i <= MAX_TEXTS + 5; i++) outcomes.push({ row: 100 + i, status: 'error', code: 'INVALID_DATA', message: `bad value ${i}` });
    expect(await ledger.recordOutcomes('imp-p', outcomes)).toBe(outcomes.length);

    const rows = outcomes.map((o) => o.row);
    const shuffled = [...rows].reverse();
    expect(await ledger.getOutcomes('imp-p', shuffled)).toEqual(shuffled.map((row) => outcomes.find((o) => o.row === row)));
    // A fresh ledger (no texts cached) reads the same.
    const fresh = new RunLedger(client, ledger.importKey('').split(':ledger:')[0]!);
    expect(await fresh.getOutcomes('imp-p', rows)).toEqual(outcomes);
    expect(await ledger.getOutcomes('imp-p', [10, B - 1, 2 * B, 99 * B])).toEqual([undefined, undefined, undefined, undefined]);

    expect(await ledger.countOutcomes('imp-p')).toBe(outcomes.length);
    const byStatus = (status: RowOutcome['status']) => outcomes.filter((o) => o.status === status).map((o) => o.row).sort((a, b) => a - b);
    expect(await ledger.rowsWithStatus('imp-p', 'error')).toEqual(byStatus('error'));
    expect(await ledger.rowsWithStatus('imp-p', 'skipped')).toEqual(byStatus('skipped'));
    expect(await ledger.rowsWithStatus('imp-p', 'success')).toEqual(byStatus('success'));
    const total = 5 * B + 10;
    const settled = new Set(rows);
    expect(await ledger.rowsWithoutOutcome('imp-p', total)).toEqual(Array.from({ length: total }, (_, i) => i + 1).filter((row) => !settled.has(row)));
    expect(await ledger.getImport('imp-p')).toMatchObject({ success: byStatus('success').length, error: byStatus('error').length, skipped: byStatus('skipped').length });
  });

  it('keeps the first outcome of a row, tagged or kept aside, and counts it once', async () => {
    await newImport('imp-f');
    const first: RowOutcome[] = [
      { row: 1, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '111' },
      { row: 2, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: 'not-a-number' },
    ];
    const late: RowOutcome[] = [
      { row: 1, status: 'error', code: 'RETRIES_EXHAUSTED', message: 'late' },
      { row: 2, status: 'error', code: 'RETRIES_EXHAUSTED', message: 'late', zohoId: 'x' },
      { row: 3, status: 'skipped', code: 'CANCELLED', message: 'relsync cancel' },
    ];
    expect(await ledger.recordOutcomes('imp-f', first)).toBe(2);
    const again = await Promise.all([1, 2, 3].map(() => ledger.recordOutcomes('imp-f', late)));
    expect(again.sort()).toEqual([0, 0, 1]);
    expect(await ledger.getOutcomes('imp-f', [1, 2, 3])).toEqual([...first, late[2]]);
    expect(await ledger.countOutcomes('imp-f')).toBe(3);
    expect(await ledger.getImport('imp-f')).toMatchObject({ success: 2, error: 0, skipped: 1 });
  });

  it('keeps reading and writing an import recorded before outcomes were packed the old way: first outcome wins, counts, statuses', async () => {
    await newImport('imp-old');
    const old: RowOutcome[] = [
      { row: 1, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '5725767000000649013' },
      { row: 3, status: 'error', code: 'INVALID_DATA', message: 'bad' },
    ];
    // As the previous release's script wrote them: a field per row, JSON, counters moved with them.
    for (const o of old) await client.hset(ledger.outcomesKey('imp-old'), String(o.row), packOutcome(o));
    await client.hincrby(ledger.importKey('imp-old'), 'success', 1);
    await client.hincrby(ledger.importKey('imp-old'), 'error', 1);
    const fresh = new RunLedger(client, ledger.importKey('').split(':ledger:')[0]!);
    expect(await fresh.getOutcomes('imp-old', [1, 2, 3])).toEqual([old[0], undefined, old[1]]);
    expect(await fresh.recordOutcomes('imp-old', [{ row: 1, status: 'error', code: 'RETRIES_EXHAUSTED', message: 'late' }, { row: 2, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '7' }])).toBe(1);
    expect(await fresh.getOutcomes('imp-old', [1, 2])).toEqual([old[0], { row: 2, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '7' }]);
    expect(await fresh.countOutcomes('imp-old')).toBe(3);
    expect(await fresh.rowsWithoutOutcome('imp-old', 4)).toEqual([4]);
    expect(await fresh.rowsWithStatus('imp-old', 'success')).toEqual([1, 2]);
    expect(await fresh.getImport('imp-old')).toMatchObject({ success: 2, error: 1 });
    expect((await keysOf('imp-old')).filter((key) => key.startsWith(`${ledger.outcomesKey('imp-old')}:`))).toEqual([]);
  });

  it('holds a finished import of successes in a few bytes a row, after many distinct error texts too, and expires and removes every key of it', async () => {
    await newImport('imp-m');
    const rows = 20 * BUCKET_ROWS;
    // Ingest's refusals first, each with its own message (a superseded row names the row after it).
    const refused = Array.from({ length: MAX_TEXTS + 50 }, (_, i): RowOutcome => ({ row: rows + 1 + i, status: 'skipped', code: 'DUPLICATE_PAIR', message: `superseded by row ${rows + 2 + i}` }));
    await ledger.recordOutcomes('imp-m', refused);
    for (let first = 1; first <= rows; first += 500) {
      const batch: RowOutcome[] = [];
      for (let row = first; row < first + 500; row++) batch.push({ row, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: `5725767000${String(row).padStart(9, '0')}` });
      await ledger.recordOutcomes('imp-m', batch);
    }
    const outcomeKeys = (await keysOf('imp-m')).filter((key) => key !== ledger.importKey('imp-m'));
    let bytes = 0;
    for (const key of outcomeKeys) bytes += Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    expect((bytes - 120 * refused.length) / rows).toBeLessThanOrEqual(12); // a refusal kept aside: ~120 bytes
    expect(await ledger.getOutcomes('imp-m', [1, rows, rows + 1, rows + refused.length])).toEqual([
      expect.objectContaining({ status: 'success', zohoId: '5725767000000000001' }), expect.objectContaining({ status: 'success' }), refused[0], refused.at(-1),
    ]);

    const at = Date.now() + 86_400_000;
    await ledger.expireImport('imp-m', at);
    for (const key of outcomeKeys) expect(await client.pexpiretime(key)).toBe(at);
    await ledger.removeImport('imp-m');
    expect(await keysOf('imp-m')).toEqual([]);
  });
});
