/**
 * The incremental sync state on a real Redis: a pair's state is written by the script that records
 * its row's outcome, only when that outcome is newly written; errors forget the pair; forgetPairs,
 * describe and clear.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RunLedger } from '../../src/ledger/run-ledger.js';
import { SyncStateStore } from '../../src/ledger/sync-state.js';
import { dayOf, fieldsDigest, judgePair, NOT_HELD, OTHER_FIELDS, pairField, syncTargetOf, writePairField } from '../../src/plan/pair-state.js';
import { BUILTIN_PROFILES } from '../../src/profile/profile.js';
import { testPrefix, useRedis } from '../helpers/redis.js';

const TODAY = dayOf(Date.UTC(2026, 10, 30));
const target = syncTargetOf({ dc: 'us' }, BUILTIN_PROFILES['contacts-deals']!);
const ROLE = { Contact_Role: '111' };
/** pairField of three pairs as the first version of the state wrote them: changing the hash would make every pair held look new. */
const PINNED_FIELDS = ['r4xa08cH', 'YoxPq8dm', 'wDRgkm3S'];

describe('SyncStateStore and the outcome script', () => {
  const redis = useRedis();
  let ledger: RunLedger;
  let state: SyncStateStore;
  beforeAll(async () => {
    const prefix = testPrefix();
    ledger = new RunLedger(redis.client(), prefix);
    state = new SyncStateStore(redis.client(), prefix);
    await state.registerTarget(target);
  });

  const change = (pairs: Array<{ row: number; related: string; digest?: string }>, day = TODAY) => ({ targetId: target.id, base: 'C-1', day, ttlS: 8 * 86_400, pairs });
  const held = async (...related: string[]) => state.lookup(target.id, related.map((r) => ({ base: 'C-1', related: r })));

  it('writes a success with its outcome, and nothing for a row whose outcome was already written', async () => {
    await ledger.createImport({ id: 'imp-s', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });
    // Row 2 already ended (an earlier writer won): its later "success" must not reach the state.
    await ledger.recordOutcomes('imp-s', [{ row: 2, status: 'skipped', code: 'CANCELLED', message: 'relsync cancel' }]);
    const added = await ledger.recordOutcomes('imp-s', [
      { row: 1, status: 'success', code: 'SUCCESS', message: 'relation added' },
      { row: 2, status: 'success', code: 'SUCCESS', message: 'relation added' },
    ], change([{ row: 1, related: 'D-1', digest: fieldsDigest(ROLE) }, { row: 2, related: 'D-2', digest: fieldsDigest(ROLE) }]));
    expect(added).toBe(1);
    const [d1, d2] = await held('D-1', 'D-2');
    expect(judgePair(d1, fieldsDigest(ROLE), TODAY, 7)).toBe('unchanged');
    expect(judgePair(d1, fieldsDigest({ Contact_Role: '222' }), TODAY, 7)).toBe('changed');
    expect(judgePair(d1, fieldsDigest(ROLE), TODAY + 7, 7)).toBe('expired');
    expect(d2).toBeNull();
  });

  it('forgets a pair whose row ends in error, so the next incremental run sends it again', async () => {
    await ledger.createImport({ id: 'imp-e', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });
    await ledger.recordOutcomes('imp-e', [{ row: 1, status: 'success', code: 'SUCCESS', message: 'ok' }], change([{ row: 1, related: 'D-9', digest: fieldsDigest(ROLE) }]));
    expect((await held('D-9'))[0]).not.toBeNull();
    await ledger.createImport({ id: 'imp-f', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });
    await ledger.recordOutcomes('imp-f', [{ row: 1, status: 'error', code: 'INVALID_DATA', message: 'bad' }], change([{ row: 1, related: 'D-9' }]));
    expect(await held('D-9')).toEqual([null]);
  });

  it('forgetPairs removes pairs (what unlink and mirror runs call), and counts those that were held', async () => {
    await ledger.createImport({ id: 'imp-g', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });
    await ledger.recordOutcomes('imp-g', [1, 2].map((row) => ({ row, status: 'success' as const, code: 'SUCCESS', message: 'ok' })), change([{ row: 1, related: 'D-20', digest: 'aaaaa' }, { row: 2, related: 'D-21', digest: 'aaaaa' }]));
    expect(await state.forgetPairs(target.id, [{ base: 'C-1', related: 'D-20' }, { base: 'C-1', related: 'D-404' }])).toBe(1);
    expect((await held('D-20', 'D-21')).map((v) => v !== null)).toEqual([false, true]);
  });

  it('confirmations reads many bases in one script: the day confirmed with the same fields, OTHER_FIELDS, NOT_HELD, in order', async () => {
    await ledger.createImport({ id: 'imp-c', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });
    const other = { targetId: target.id, day: TODAY - 2, ttlS: 8 * 86_400 };
    await ledger.recordOutcomes('imp-c', [1, 2].map((row) => ({ row, status: 'success' as const, code: 'SUCCESS', message: 'ok' })), { ...other, base: 'C-40', pairs: [{ row: 1, related: 'D-1', digest: fieldsDigest(ROLE) }, { row: 2, related: 'D-2', digest: fieldsDigest(ROLE) }] });
    await ledger.recordOutcomes('imp-c', [{ row: 3, status: 'success', code: 'SUCCESS', message: 'ok' }], { ...other, base: 'C-41', day: TODAY - 1, pairs: [{ row: 3, related: 'D-1', digest: fieldsDigest(ROLE) }] });
    const roleOf = new Map([['D-2', { Contact_Role: '222' }]]);
    const groups = [
      { base: 'C-40', entries: [{ related: 'D-1' }, { related: 'D-2' }, { related: 'D-3' }] },
      { base: 'C-41', entries: [{ related: 'D-1' }] },
      { base: 'C-42', entries: [] },
      { base: 'C-40', entries: [{ related: 'D-1' }] },
    ];
    const into = new Int32Array(7).fill(99);
    expect(await state.confirmations(target.id, groups, (e) => fieldsDigest(roleOf.get(e.related) ?? ROLE), into, 1)).toBe(5);
    expect([...into]).toEqual([99, TODAY - 2, OTHER_FIELDS, NOT_HELD, TODAY - 1, TODAY - 2, 99]);
    // The same verdicts as judging the raw values.
    expect(judgePair((await state.lookup(target.id, [{ base: 'C-40', related: 'D-2' }]))[0], fieldsDigest({ Contact_Role: '222' }), TODAY, 7)).toBe('changed');
  });

  it('names a pair by the same field as ever (the state of earlier versions stays readable), written as bytes or as a string', () => {
    expect([pairField('C-1', 'D-1'), pairField('5725767000000123001', 'D-77'), pairField('Émile', '😀')]).toEqual(PINNED_FIELDS);
    const bytes = Buffer.alloc(10);
    writePairField('Émile', '😀', bytes, 1);
    expect(bytes.toString('latin1', 1, 9)).toBe(PINNED_FIELDS[2]);
  });

  it('describes each target (pairs, memory, oldest confirmation) and clears one', async () => {
    await ledger.createImport({ id: 'imp-h', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });
    await ledger.recordOutcomes('imp-h', [{ row: 1, status: 'success', code: 'SUCCESS', message: 'ok' }], change([{ row: 1, related: 'D-30', digest: 'bbbbb' }], TODAY - 3));
    const [summary] = await state.describe(target.id);
    expect(summary).toMatchObject({ target: { id: target.id, module: 'Contacts', relatedList: 'Deals' }, oldestDay: TODAY - 3 });
    expect(summary!.pairs).toBe((await state.describe()).reduce((n, s) => n + s.pairs, 0));
    expect(summary!.memoryBytes).toBeGreaterThan(0);
    expect(await state.clear(target.id)).toBe(summary!.pairs);
    expect(await state.describe()).toEqual([]);
  });
});
