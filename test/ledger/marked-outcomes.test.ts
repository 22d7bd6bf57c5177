/**
 * `recordMarked` on a real Redis: outcomes given as one mark per row (an incremental import's UNCHANGED
 * rows) land in the same packed slots as `recordOutcomes`, each row at most once (a row with an outcome
 * keeps it, also across a re-run after a crash cut the first run short), counted once, told to the
 * observer as counts, and kept aside whole when the import's text tags are used up.
 */
import { describe, expect, it } from 'vitest';
import type { RowOutcome, RowStatus } from '../../src/domain/row-outcome.js';
import { ERROR_TEXTS } from '../../src/ledger/packed-outcomes.js';
import { RunLedger, type MarkedOutcomes, type OutcomeText } from '../../src/ledger/run-ledger.js';
import { testPrefix, useRedis } from '../helpers/redis.js';

const DAY_1: OutcomeText = { status: 'skipped', code: 'UNCHANGED', message: 'unchanged since 2026-11-28' };
const DAY_2: OutcomeText = { status: 'skipped', code: 'UNCHANGED', message: 'unchanged since 2026-11-29' };

/** Marks for rows 1..rows: `markOf(row)` (0 = no outcome). */
function marked(rows: number, markOf: (row: number) => number, texts: OutcomeText[] = [DAY_1, DAY_2]): MarkedOutcomes {
  const marks = new Uint16Array(rows + 1);
  for (let row = 1; row <= rows; row++) marks[row] = markOf(row);
  return { texts, marks };
}

describe('RunLedger.recordMarked', () => {
  const redis = useRedis();

  function ledgerWithObserver() {
    const counted: Array<{ status: RowStatus; code: string; count: number }> = [];
    const recorded: RowOutcome[] = [];
    const ledger = new RunLedger(redis.client(), testPrefix(), Date.now, {
      outcomesRecorded: (_id, outcomes) => recorded.push(...outcomes),
      outcomesCounted: (_id, counts) => counted.push(...counts),
    });
    const create = (id: string) => ledger.createImport({ id, origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });
    return { ledger, counted, recorded, create };
  }

  it('gives each marked row its text, across buckets, never over an outcome already written, and counts each row once', async () => {
    const { ledger, counted, create } = ledgerWithObserver();
    await create('imp-m');
    // Rows already ended before the marks: an invalid row in the first bucket, a success in the third.
    await ledger.recordOutcomes('imp-m', [
      { row: 5, status: 'error', code: 'INVALID_DATA', message: 'bad id' },
      { row: 2_100, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '5725767000000123001' },
    ]);
    // 3,000 rows over three buckets: every third row unmarked, the rest on two days.
    const rows = 3_000;
    const markOf = (row: number) => (row % 3 === 0 ? 0 : row < 1_500 ? 1 : 2);
    const added = await ledger.recordMarked('imp-m', marked(rows, markOf));
    const expectedMarked = Array.from({ length: rows }, (_, i) => i + 1).filter((row) => markOf(row) !== 0 && row !== 5 && row !== 2_100);
    expect(added).toBe(expectedMarked.length);

    const outcomes = await ledger.getOutcomes('imp-m', Array.from({ length: rows }, (_, i) => i + 1));
    outcomes.forEach((outcome, i) => {
      const row = i + 1;
      if (row === 5) expect(outcome).toEqual({ row, status: 'error', code: 'INVALID_DATA', message: 'bad id' });
      else if (row === 2_100) expect(outcome?.zohoId).toBe('5725767000000123001');
      else if (markOf(row) === 0) expect(outcome).toBeUndefined();
      else expect(outcome).toEqual({ row, ...(markOf(row) === 1 ? DAY_1 : DAY_2) });
    });
    const record = await ledger.getImport('imp-m');
    expect(record).toMatchObject({ skipped: expectedMarked.length, error: 1, success: 1 });
    expect(await ledger.countOutcomes('imp-m')).toBe(expectedMarked.length + 2);
    expect(await ledger.rowsWithoutOutcome('imp-m', rows)).toEqual(Array.from({ length: rows }, (_, i) => i + 1).filter((row) => markOf(row) === 0 && row !== 2_100));
    expect(await ledger.rowsWithStatus('imp-m', 'skipped')).toEqual(expectedMarked);
    // The metrics hear counts, not rows.
    const byMessage = expectedMarked.filter((row) => markOf(row) === 1).length;
    expect(counted).toEqual([
      { status: 'skipped', code: 'UNCHANGED', count: byMessage },
      { status: 'skipped', code: 'UNCHANGED', count: expectedMarked.length - byMessage },
    ]);
  });

  it('is a no-op the second time, and a run cut short then run again whole leaves each row exactly one outcome, counted once', async () => {
    const { ledger, create } = ledgerWithObserver();
    await create('imp-r');
    const rows = 5_000;
    // A crash after the first scripts: only rows below 2,500 were marked.
    expect(await ledger.recordMarked('imp-r', marked(rows, (row) => (row < 2_500 ? 1 : 0)))).toBe(2_499);
    // Meanwhile the re-run's own first call answered row 3,000.
    await ledger.recordOutcomes('imp-r', [{ row: 3_000, status: 'success', code: 'SUCCESS', message: 'relation added' }]);
    expect(await ledger.recordMarked('imp-r', marked(rows, () => 1))).toBe(rows - 2_499 - 1);
    expect(await ledger.recordMarked('imp-r', marked(rows, () => 1))).toBe(0);
    expect(await ledger.getImport('imp-r')).toMatchObject({ skipped: rows - 1, success: 1 });
    expect(await ledger.countOutcomes('imp-r')).toBe(rows);
    expect(await ledger.rowsWithoutOutcome('imp-r', rows)).toEqual([]);
  });

  it('keeps a marked text aside whole, by row, once the import has no tag left for it', async () => {
    const { ledger, create } = ledgerWithObserver();
    await create('imp-t');
    // Every error/skip tag taken by refusals that each name their row.
    await ledger.recordOutcomes('imp-t', Array.from({ length: ERROR_TEXTS }, (_, i) => ({ row: 10_000 + i, status: 'error' as const, code: 'INVALID_DATA', message: `row ${10_000 + i}: bad` })));
    expect(await ledger.recordMarked('imp-t', marked(1_100, (row) => (row % 2 === 0 ? 1 : 0), [DAY_1]))).toBe(550);
    const outcomes = await ledger.getOutcomes('imp-t', [1, 2, 1_024, 1_025, 1_100]);
    expect(outcomes).toEqual([undefined, { row: 2, ...DAY_1 }, { row: 1_024, ...DAY_1 }, undefined, { row: 1_100, ...DAY_1 }]);
    expect(await ledger.getImport('imp-t')).toMatchObject({ skipped: 550, error: ERROR_TEXTS });
  });
});
