/**
 * A mirror's removals in the run ledger, on a real Redis: each removal's first outcome wins and is
 * counted once, whoever records it again (a retried job, a second worker, the end of the import).
 */
import { describe, expect, it } from 'vitest';
import { RunLedger } from '../../src/ledger/run-ledger.js';
import { testPrefix, useRedis } from '../helpers/redis.js';

describe('RunLedger removals', () => {
  const redis = useRedis();

  it('keeps the first outcome of each removal and counts it once; lists them in plan order with their outcomes', async () => {
    const ledger = new RunLedger(redis.client(), testPrefix());
    await ledger.createImport({ id: 'imp-r', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'p', profileJson: '{}' });
    const planned = [{ base: 'C-1', related: 'D-2', relatedId: '902', n: 0 }, { base: 'C-1', related: 'D-1', relatedId: '901', n: 1 }, { base: 'C,2', related: '', relatedId: '903', n: 2 }];
    await ledger.planRemovals('imp-r', planned);
    await ledger.planRemovals('imp-r', planned.map((p) => ({ ...p, n: 9 }))); // a re-planned removal keeps its place
    const gone = (relatedId: string, base = 'C-1') => ({ base, related: '', relatedId, status: 'success' as const, code: 'SUCCESS', message: 'relation removed' });
    expect(await ledger.recordRemovals('imp-r', [gone('901'), gone('902')])).toBe(2);
    expect(await ledger.recordRemovals('imp-r', [{ ...gone('901'), status: 'skipped', code: 'NOT_LINKED', message: 'late' }, gone('903', 'C,2')])).toBe(1);
    expect(await ledger.hasRemovals('imp-r', [{ base: 'C-1', relatedId: '901' }, { base: 'C-1', relatedId: '904' }])).toEqual([true, false]);
    expect(await ledger.getImport('imp-r')).toMatchObject({ removalsSuccess: 3 });
    expect((await ledger.getImport('imp-r'))?.removalsSkipped).toBeUndefined();
    const listed = await ledger.removalsOf('imp-r');
    expect(listed.map((r) => [r.planned.relatedId, r.planned.n, r.outcome?.code, r.outcome?.message])).toEqual([
      ['902', 0, 'SUCCESS', 'relation removed'], ['901', 1, 'SUCCESS', 'relation removed'], ['903', 2, 'SUCCESS', 'relation removed'],
    ]);
  });
});
