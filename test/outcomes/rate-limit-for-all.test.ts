/**
 * A 429 pauses the sync queue for every worker, not only the one that got it. The sync processor
 * answers a 429 with BullMQ's queue-wide `rateLimit`; BullMQ honours it only in workers that have a
 * limiter, so this checks that two worker runtimes of ours both wait the pause out: no call reaches
 * the simulator until it ends, then the import completes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';

describe('the queue-wide pause of a 429', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('holds every worker runtime until it ends', async () => {
    h = await startHarness();
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
