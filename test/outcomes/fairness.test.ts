/**
 * Imports share the org's cap fairly: a small import started while a large one is syncing has its
 * calls taken first (sync job priority by import size), instead of queueing behind every call of the
 * large one. Measured in calls, not seconds: how many calls the large import made while the small one
 * ran. First come, first served would be thousands.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { useCleanup } from '../helpers/cleanup.js';
import { startHarness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';

describe('fairness between imports', () => {
  const closeAfter = useCleanup();

  it('finishes a small import started during a large one before the large one makes many more calls', async () => {
    const h = closeAfter(await startHarness({ sim: { latencyMs: 3, jitterMs: 0, contacts: 3_000 }, env: { ZOHO_CONCURRENCY: '4' } }));
    const large = await writePairs(h.sim, h.dir, 3_000, 1, 'large.csv');
    const small = await writePairs(h.sim, h.dir, 60, 1, 'small.csv');
    const largeId = await h.importFile(large.path);
    const callsOfLarge = async () => (await h.runtime.ledger.getImport(largeId))!.calls;
    await eventually('the large import to be syncing', async () => (await callsOfLarge()) >= 300, { everyMs: 5 });

    const before = await callsOfLarge();
    const smallId = await h.importFile(small.path);
    const smallDone = await h.waitDone(smallId);
    const during = (await callsOfLarge()) - before;

    expect(smallDone).toMatchObject({ state: 'done', success: 60 });
    // The large import still had about 2,700 calls to go; the small one needed 60.
    expect((await h.runtime.ledger.getImport(largeId))!.state).toBe('syncing');
    expect(during).toBeLessThan(400);
    expect(await h.waitDone(largeId)).toMatchObject({ state: 'done', success: 3_000 });
  });
});
