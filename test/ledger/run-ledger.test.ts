/** The run ledger on a real Redis: a row's outcome is recorded at most once, and counted once. */
import { beforeAll, describe, expect, it } from 'vitest';
import { RunLedger } from '../../src/ledger/run-ledger.js';
import { testPrefix, useRedis } from '../helpers/redis.js';

describe('RunLedger', () => {
  const redis = useRedis();
  let ledger: RunLedger;
  beforeAll(() => {
    ledger = new RunLedger(redis.client(), testPrefix());
  });

  const newImport = (id: string) => ledger.createImport({ id, origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });

  it('keeps the first outcome of a row and counts it once, however often it is recorded', async () => {
    expect(await newImport('imp-a')).toBe(true);
    expect(await newImport('imp-a')).toBe(false);
    const first = [{ row: 1, status: 'success' as const, code: 'SUCCESS', message: 'relation added', zohoId: '42' }, { row: 2, status: 'error' as const, code: 'INVALID_DATA', message: 'bad' }];
    expect(await ledger.recordOutcomes('imp-a', first)).toBe(2);
    const again = await Promise.all([1, 2, 3].map(() => ledger.recordOutcomes('imp-a', [{ row: 1, status: 'error', code: 'RETRIES_EXHAUSTED', message: 'late duplicate' }, { row: 3, status: 'skipped', code: 'DUPLICATE_PAIR', message: 'x' }])));
    expect(again.sort()).toEqual([0, 0, 1]);
    expect(await ledger.getOutcomes('imp-a', [3, 1, 2, 4])).toEqual([
      { row: 3, status: 'skipped', code: 'DUPLICATE_PAIR', message: 'x' }, first[0], first[1], undefined,
    ]);
    expect(await ledger.getImport('imp-a')).toMatchObject({ success: 1, error: 1, skipped: 1, state: 'queued' });
    expect(await ledger.rowsWithoutOutcome('imp-a', 5)).toEqual([4, 5]);
    expect(await ledger.rowsWithStatus('imp-a', 'error')).toEqual([2]);
  });

  it('stops an import once: the first stop wins, with its reason, whoever stops it later', async () => {
    // Its own prefix: the listing test below counts this file's imports.
    const ledger = new RunLedger(redis.client(), testPrefix());
    await ledger.createImport({ id: 'imp-stop', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });
    expect(await ledger.stopOf('imp-stop')).toBeUndefined();
    const stops = await Promise.all([
      ledger.stopImport('imp-stop', 'ABORTED', 'every call answers INVALID_URL_PATTERN'),
      ledger.stopImport('imp-stop', 'CANCELLED', 'relsync cancel'),
    ]);
    expect(stops[0]).toEqual(stops[1]);
    expect(await ledger.stopOf('imp-stop')).toEqual(stops[0]);
    expect(await ledger.getImport('imp-stop')).toMatchObject({ stopCode: stops[0]!.code, stopReason: stops[0]!.reason });
  });

  it("tallies the guard's counts across workers: rows answered and in error, and the run of one failure that a success ends", async () => {
    const ledger = new RunLedger(redis.client(), testPrefix());
    const failing = { answered: 100, failed: 100, succeeded: false, failureCode: 'INVALID_URL_PATTERN' };
    const tallies = await Promise.all([1, 2, 3].map(() => ledger.tallyCall('imp-g', failing)));
    expect(tallies.map((t) => t.streak).sort()).toEqual([1, 2, 3]);
    expect(tallies.find((t) => t.streak === 3)).toEqual({ answered: 300, failed: 300, streakCode: 'INVALID_URL_PATTERN', streak: 3 });
    expect(await ledger.tallyCall('imp-g', { answered: 100, failed: 100, succeeded: false, failureCode: 'INVALID_MODULE' })).toMatchObject({ streakCode: 'INVALID_MODULE', streak: 1 });
    expect(await ledger.tallyCall('imp-g', { answered: 10, failed: 3, succeeded: false })).toMatchObject({ answered: 410, failed: 403, streakCode: 'INVALID_MODULE', streak: 1 });
    expect(await ledger.tallyCall('imp-g', { answered: 10, failed: 3, succeeded: true })).toEqual({ answered: 420, failed: 406, streakCode: '', streak: 0 });
    expect(await redis.client().ttl(`${ledger.importKey('imp-g')}:guard`)).toBeGreaterThan(86_400);
  });

  it("counts a call and tallies its answer in the script that records its outcomes, as the guard's own tally does", async () => {
    const ledger = new RunLedger(redis.client(), testPrefix());
    await ledger.createImport({ id: 'imp-f', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });
    const calls = [
      { answered: 2, failed: 2, succeeded: false, failureCode: 'INVALID_URL_PATTERN' },
      { answered: 2, failed: 2, succeeded: false, failureCode: 'INVALID_URL_PATTERN' },
      { answered: 2, failed: 1, succeeded: true },
      { answered: 2, failed: 2, succeeded: false, failureCode: 'NO_PERMISSION' },
      { answered: 2, failed: 2, succeeded: false },
    ];
    let row = 0;
    for (const [i, call] of calls.entries()) {
      const outcomes = [1, 2].map((k) => ({ row: ++row, status: k <= call.failed ? 'error' as const : 'success' as const, code: k <= call.failed ? (call.failureCode ?? 'INVALID_DATA') : 'SUCCESS', message: 'm' }));
      const folded = await ledger.recordCallOutcomes('imp-f', outcomes, { tally: call, countCall: true });
      // The same answers counted by the guard's own script, on another import: the same tally after each.
      expect(folded).toEqual({ recorded: 2, tally: await ledger.tallyCall('imp-apart', call), inForce: {} });
      expect(await ledger.getImport('imp-f')).toMatchObject({ calls: i + 1, error: calls.slice(0, i + 1).reduce((n, c) => n + c.failed, 0) });
    }
    expect(await ledger.getImport('imp-f')).toMatchObject({ success: 1, error: 9, calls: 5 });
    expect(await redis.client().ttl(`${ledger.importKey('imp-f')}:guard`)).toBeGreaterThan(86_400);
    // An answer whose rows already have outcomes (a duplicate job) is still counted, as before; outcomes alone touch neither.
    expect(await ledger.recordCallOutcomes('imp-f', [{ row: 1, status: 'success', code: 'SUCCESS', message: 'm' }], { tally: { answered: 1, failed: 0, succeeded: true }, countCall: true }))
      .toEqual({ recorded: 0, tally: { answered: 11, failed: 9, streakCode: '', streak: 0 }, inForce: {} });
    // The stop in force, read by the same script: a job's next call needs no read of its own.
    await ledger.stopImport('imp-f', 'CANCELLED', 'relsync cancel');
    expect(await ledger.recordCallOutcomes('imp-f', [{ row: 11, status: 'success', code: 'SUCCESS', message: 'm' }])).toEqual({ recorded: 1, inForce: { stop: { code: 'CANCELLED', reason: 'relsync cancel' } } });
    expect(await ledger.getImport('imp-f')).toMatchObject({ success: 2, calls: 6 });
    expect(await redis.client().hget(`${ledger.importKey('imp-f')}:guard`, 'answered')).toBe('11');
  });

  it('lists recent imports newest first and clears fields set to undefined', async () => {
    await newImport('imp-b');
    await ledger.update('imp-b', { pausedReason: 'waiting', pausedUntil: 5 });
    await ledger.update('imp-b', { pausedReason: undefined, pausedUntil: undefined });
    const record = await ledger.getImport('imp-b');
    expect(record?.pausedReason).toBeUndefined();
    expect((await ledger.listImports(10)).map((r) => r.id)).toEqual(['imp-b', 'imp-a']);
  });
});
