/**
 * What the run ledger tells its observer, and the claims behind alerts and retention, on a real Redis:
 * only outcomes newly written; state and pause reason before and after each change; one end alert; a
 * pause announced once per kind and its end once; an expired import told apart from one never made.
 */
import { describe, expect, it } from 'vitest';
import { EXPIRED_IDS_KEPT, RunLedger, type ImportChange } from '../../src/ledger/run-ledger.js';
import type { RowOutcome } from '../../src/domain/row-outcome.js';
import { testPrefix, useRedis } from '../helpers/redis.js';

describe('RunLedger observer and claims', () => {
  const redis = useRedis();

  function observed() {
    const outcomes: RowOutcome[] = [];
    const changes: ImportChange[] = [];
    const ledger = new RunLedger(redis.client(), testPrefix(), Date.now, {
      outcomesRecorded: (_id, recorded) => outcomes.push(...recorded),
      importChanged: async (change) => void changes.push(change),
    });
    const create = (id: string) => ledger.createImport({ id, origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });
    return { ledger, outcomes, changes, create };
  }

  it('tells only the outcomes it newly wrote, and each change of state or pause reason with what was there before', async () => {
    const { ledger, outcomes, changes, create } = observed();
    await create('imp-o');
    await ledger.recordOutcomes('imp-o', [{ row: 1, status: 'success', code: 'SUCCESS', message: 'ok' }, { row: 2, status: 'error', code: 'INVALID_DATA', message: 'bad' }]);
    await ledger.recordOutcomes('imp-o', [{ row: 2, status: 'success', code: 'SUCCESS', message: 'late' }, { row: 3, status: 'skipped', code: 'DUPLICATE_PAIR', message: 'x' }]);
    expect(outcomes.map((o) => [o.row, o.code])).toEqual([[1, 'SUCCESS'], [2, 'INVALID_DATA'], [3, 'DUPLICATE_PAIR']]);

    await ledger.setState('imp-o', 'syncing');
    await ledger.update('imp-o', { pausedReason: 'Zoho answered 429 TOO_MANY_REQUESTS (concurrency): backing off', pausedUntil: 1 });
    await ledger.update('imp-o', { reportPath: '/r.csv' }); // neither state nor pause: not told
    await ledger.update('imp-o', { pausedReason: undefined, pausedUntil: undefined });
    await ledger.setState('imp-o', 'done');
    expect(changes.map((c) => [c.before, c.after])).toEqual([
      [{ state: 'queued', pausedReason: undefined }, { state: 'syncing', pausedReason: undefined }],
      [{ state: 'syncing', pausedReason: undefined }, { state: 'syncing', pausedReason: 'Zoho answered 429 TOO_MANY_REQUESTS (concurrency): backing off' }],
      [{ state: 'syncing', pausedReason: 'Zoho answered 429 TOO_MANY_REQUESTS (concurrency): backing off' }, { state: 'syncing', pausedReason: undefined }],
      [{ state: 'syncing', pausedReason: undefined }, { state: 'done', pausedReason: undefined }],
    ]);
  });

  it('gives the end alert to the first who asks, and settles a pause once per kind, its end once, nothing after the end', async () => {
    const { ledger, create } = observed();
    await create('imp-p');
    await ledger.setState('imp-p', 'syncing');
    expect(await ledger.settlePauseAlert('imp-p')).toBeUndefined();
    await ledger.update('imp-p', { pausedReason: 'ZOHO_DAILY_CREDITS budget of 10 credits per 24 h is used up; the next credit frees at 02:00' });
    expect(await ledger.settlePauseAlert('imp-p')).toEqual({ event: 'paused', reason: expect.stringContaining('ZOHO_DAILY_CREDITS budget'), seq: 1 });
    // The same wait with a new time is the same pause.
    await ledger.update('imp-p', { pausedReason: 'ZOHO_DAILY_CREDITS budget of 10 credits per 24 h is used up; the next credit frees at 02:01' });
    expect(await ledger.settlePauseAlert('imp-p')).toBeUndefined();
    await ledger.update('imp-p', { pausedReason: 'cannot get a Zoho access token: Access Denied' });
    expect(await ledger.settlePauseAlert('imp-p')).toEqual({ event: 'paused', reason: 'cannot get a Zoho access token: Access Denied', seq: 2 });
    await ledger.update('imp-p', { pausedReason: undefined });
    expect(await ledger.settlePauseAlert('imp-p')).toEqual({ event: 'resumed', seq: 3 });
    expect(await ledger.settlePauseAlert('imp-p')).toBeUndefined();
    await ledger.update('imp-p', { pausedReason: 'cannot get a Zoho access token: Access Denied' });
    await ledger.setState('imp-p', 'done');
    expect(await ledger.settlePauseAlert('imp-p')).toBeUndefined();
    expect(await Promise.all([ledger.claimEndAlert('imp-p'), ledger.claimEndAlert('imp-p')])).toEqual([true, false]);
    expect(await ledger.settlePauseAlert('imp-gone')).toBeUndefined();
  });

  it('expires records at a time, and tells an expired import from one that never existed', async () => {
    const { ledger, create } = observed();
    const client = redis.client();
    await create('imp-e');
    await ledger.recordOutcomes('imp-e', [{ row: 1, status: 'success', code: 'SUCCESS', message: 'ok' }]);
    const at = Date.now() + 86_400_000;
    await ledger.expireImport('imp-e', at);
    expect(await client.pexpiretime(ledger.importKey('imp-e'))).toBe(at);
    expect(await client.pexpiretime(ledger.outcomesKey('imp-e'))).toBe(at);
    expect(await ledger.isExpired('imp-e')).toBe(false);
    await ledger.removeImport('imp-e');
    expect(await client.exists(ledger.importKey('imp-e'), ledger.outcomesKey('imp-e'))).toBe(0);
    expect(await client.zscore(ledger.recentKey(), 'imp-e')).toBeNull();
    await expect(ledger.requireImport('imp-e')).rejects.toMatchObject({ code: 'IMPORT_EXPIRED', message: expect.stringMatching(/^imp-e: expired: /) });
    await expect(ledger.requireImport('imp-never')).rejects.toMatchObject({ code: 'IMPORT_NOT_FOUND' });
    expect(EXPIRED_IDS_KEPT).toBe(100_000);
  });
});
