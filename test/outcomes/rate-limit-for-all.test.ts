/**
 * A 429 pauses the sync queue for every worker, not only the one that got it. The sync processor
 * answers a 429 with BullMQ's queue-wide `rateLimit`; BullMQ honours it only in workers that have a
 * limiter, so this checks that two worker runtimes of ours both wait the pause out: no call reaches
 * the simulator until it ends, then the import completes.
 */
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/cleanup.js';
import { startHarness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';

describe('the queue-wide pause of a 429', () => {
  const closeAfter = useCleanup();

  it('holds every worker runtime until it ends', async () => {
    const h = closeAfter(await startHarness());
    await h.startWorkerRuntime();
    // What setback() does on a 429: pause the whole queue for a while.
    await h.runtime.queues.sync.rateLimit(2_500);
    const file = await writePairs(h.sim, h.dir, 4, 1);
    const importId = await h.importFile(file.path);
    // Ingest (the imports queue) is not paused: its four calls are queued at once.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await h.runtime.ledger.getImport(importId))?.plannedCalls).toBe(4);
    expect(h.sim.counters.calls).toBe(0);
    expect(await h.waitDone(importId)).toMatchObject({ state: 'done', success: 4 });
  });
});
