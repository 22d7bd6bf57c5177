/**
 * A sync job's calls, one after another (src/processors/sync.processor.ts): each call's reads are made
 * ahead of it (its rows' outcomes while the call before runs, the stop by that call's outcome script).
 * That must not let a call out after its import stopped: a stop written while the call before it is at
 * Zoho ends every later call of the job unsent. Real Redis, the real worker runtime, the simulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JobName } from '../../jobs/queues.js';
import { syncCallsJobId, syncCallsJobOptions, type SyncCallsPayload } from '../../jobs/sync-calls.job.js';
import { BUILTIN_PROFILES } from '../../src/profile/profile.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, type Harness } from '../helpers/harness.js';

describe("a sync job's calls", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** An import record, and one job of three calls of one row each (rows 1, 2, 3), as ingest would enqueue it. */
  async function threeCallJob(harness: Harness, importId: string): Promise<void> {
    const { ledger, queues } = harness.runtime;
    await ledger.createImport({ id: importId, origin: 'cli', source: '/in.csv', sourceName: 'in.csv', profileName: 'contacts-deals', profileJson: JSON.stringify(BUILTIN_PROFILES['contacts-deals']) });
    const contacts = harness.sim.dataset.contacts.slice(0, 3);
    const deals = harness.sim.dataset.deals.slice(0, 3);
    const calls = contacts.map((c, i) => ({ base: c.External_Contact_ID, entries: [{ row: i + 1, related: deals[i]!.External_Deal_ID }] }));
    const payload: SyncCallsPayload = { importId, seq: 0, calls };
    await queues.sync.add(JobName.syncCalls, payload, { ...syncCallsJobOptions(3, calls.length), jobId: syncCallsJobId(importId, 0) });
  }

  it('sends them in order, each row recorded once and each call counted', async () => {
    h = await startHarness({ env: { ZOHO_CONCURRENCY: '1' } });
    await threeCallJob(h, 'imp-calls');
    const ledger = h.runtime.ledger;
    await eventually('three outcomes', async () => (await ledger.countOutcomes('imp-calls')) === 3);
    expect(h.sim.counters.calls).toBe(3);
    expect(await ledger.getImport('imp-calls')).toMatchObject({ success: 3, error: 0, skipped: 0, calls: 3 });
  });

  it('sends none of the later calls once the import is stopped while the call before them is at Zoho', async () => {
    // Long enough to write the stop while the first call is held at Zoho.
    h = await startHarness({ env: { ZOHO_CONCURRENCY: '1' }, sim: { latencyMs: 1_500 } });
    await threeCallJob(h, 'imp-stop');
    const ledger = h.runtime.ledger;
    await eventually('the first call at Zoho', () => h!.sim.counters.inFlight === 1, { everyMs: 5 });
    await ledger.stopImport('imp-stop', 'CANCELLED', 'relsync cancel');
    await eventually('three outcomes', async () => (await ledger.countOutcomes('imp-stop')) === 3);

    expect(h.sim.counters.calls).toBe(1);
    const [first, ...later] = await ledger.getOutcomes('imp-stop', [1, 2, 3]);
    expect(first).toMatchObject({ status: 'success' });
    expect(later).toEqual([2, 3].map((row) => ({ row, status: 'skipped', code: 'CANCELLED', message: 'relsync cancel' })));
    expect(await ledger.getImport('imp-stop')).toMatchObject({ success: 1, skipped: 2, calls: 1 });
  });
});
