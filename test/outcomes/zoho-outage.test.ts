/**
 * An outage is not a row error: Zoho's API refusing connections for a while mid-import pauses every
 * worker without spending attempts, and the import ends with every row right. The outage is real
 * (a TCP proxy in front of the simulator stops listening); the simulator's links are the oracle.
 */
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { startProcessHarness } from '../helpers/harness.js';
import { associationsOf, writePairs } from '../helpers/pairs.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

describe('Zoho unreachable mid-import', () => {
  const closeAfter = useCleanup();

  it('pauses without spending attempts, says so once, and ends with zero RETRIES_EXHAUSTED and every link right', async () => {
    const h = closeAfter(await startProcessHarness({
      sim: { latencyMs: 25, jitterMs: 0 },
      env: { RELSYNC_MAX_ATTEMPTS: '2', RELSYNC_OUTAGE_PROBE_MAX_MS: '500', ZOHO_CONCURRENCY: '3' },
    }));
    const proxy = closeAfter(await startTcpProxy(h.sim.url));
    const [worker] = await h.spawnWorkers(1, { logLevel: 'info', env: { ZOHO_API_DOMAIN: proxy.url } });
    const pairs = await writePairs(h.sim, h.dir, 240, 1);
    const importId = await h.importFile(pairs.path);

    await eventually('40 calls answered', () => h.sim.counters.calls >= 40, { everyMs: 10 });
    await proxy.down();
    const downAt = Date.now();
    await eventually('the import to show the outage', async () => (await h.runtime.ledger.getImport(importId))?.pausedReason?.startsWith('Zoho unreachable since'), { timeoutMs: 15_000 }).catch(async (error: unknown) => {
      // Say why: a sync job that failed for good carries the reason.
      const failed = await h.runtime.queues.sync.getFailed(0, 2);
      throw new Error(`${String(error)}; failed sync jobs: ${JSON.stringify(failed.map((j) => j.failedReason))}`);
    });
    // Longer than two attempts with their backoff would take: without the pause, rows would end RETRIES_EXHAUSTED.
    while (Date.now() - downAt < 6_000) await new Promise((resolve) => setTimeout(resolve, 100));
    await proxy.up();

    const done = await h.waitDone(importId);
    expect(done).toMatchObject({ state: 'done', rows: 240, success: 240, error: 0 });
    expect(await h.runtime.ledger.rowsWithStatus(importId, 'error')).toEqual([]);
    expect(associationsOf(h.sim)).toEqual(pairs.associations);
    const log = worker!.output();
    expect(log.match(/"msg":"Zoho unreachable: pausing/g)).toHaveLength(1);
    expect(log.match(/"msg":"Zoho reachable again/g)).toHaveLength(1);
    // Only the calls in flight when it went down (their connections reset: that alone is no outage)
    // may have spent an attempt; every call after them waited without spending any.
    expect((log.match(/Zoho call failed; will retry/g) ?? []).length).toBeLessThanOrEqual(3);
  });
});
