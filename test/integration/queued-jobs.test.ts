/**
 * Sync jobs as Redis holds them while an import waits to sync: packed and deflated by the import
 * processor, read back by the sync worker (real Redis, the simulator over HTTP, the real worker
 * runtime), and what they cost in bytes (MEMORY USAGE, never time).
 */
import { describe, expect, it } from 'vitest';
import { callsPerJob, singleCallTail, syncCallCount, syncCallsOf, type SyncCallsJobData } from '../../jobs/sync-calls.job.js';
import { createRandom } from '../../src/simulator/prng.js';
import { useCleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { associationsOf, writePairs } from '../helpers/pairs.js';
import { useRedis } from '../helpers/redis.js';

/** Every queued sync job of the import, as Redis holds its data; the sync queue must be paused. */
async function queuedJobs(h: Harness, importId: string): Promise<Array<{ key: string; data: SyncCallsJobData }>> {
  const jobs = await h.runtime.queues.sync.getJobs(['prioritized', 'waiting'], 0, -1);
  return jobs.filter((job) => job.data.importId === importId).map((job) => ({ key: `${h.config.prefix}:sync:${job.id}`, data: job.data }));
}

/** Registers the file with the sync queue paused and waits until its jobs are queued. */
async function ingestOnly(h: Harness, file: string): Promise<string> {
  await h.runtime.queues.sync.pause();
  const importId = await h.importFile(file);
  await eventually('the import to be ingested', async () => (await h.runtime.ledger.getImport(importId))?.state === 'syncing');
  return importId;
}

describe('queued sync jobs', () => {
  const closeAfter = useCleanup();
  const redisClients = useRedis();

  it('carries the calls of a large import deflated through the queue: every row once, a failed call retried alone', async () => {
    const h = closeAfter(await startHarness({ sim: { contacts: 1_200 } }));
    const file = await writePairs(h.sim, h.dir, 1_100, 3); // 1,100 calls: 4 to a job, the last 100 one to a job
    expect(callsPerJob(1_100)).toBe(4);
    const importId = await ingestOnly(h, file.path);
    const jobs = await queuedJobs(h, importId);
    const multi = jobs.filter(({ data }) => syncCallCount(data) > 1);
    expect(jobs.map(({ data }) => syncCallCount(data)).reduce((a, b) => a + b, 0)).toBe(1_100);
    expect(multi).toHaveLength((1_100 - singleCallTail(1_100)) / 4);
    for (const { data } of multi) {
      expect(data).toMatchObject({ importId, deflated: expect.any(String), summary: expect.stringMatching(/^4 calls, 12 rows \(rows \d+ to \d+\)$/) });
      expect(data.packed).toBeUndefined();
    }

    h.sim.enqueueFaults(['500', '503', '500']);
    await h.runtime.queues.sync.resume();
    const record = await h.waitDone(importId);
    expect(record).toMatchObject({ state: 'done', success: file.rows, error: 0, skipped: 0, plannedCalls: 1_100, retries: 3 });
    expect(await h.runtime.ledger.countOutcomes(importId)).toBe(file.rows);
    expect(h.sim.counters.calls).toBe(1_103); // each failure costs exactly one more call
    expect(associationsOf(h.sim)).toEqual(file.associations);
  });

  it('sends calls of 100 entries each from deflated jobs of one call', async () => {
    const h = closeAfter(await startHarness());
    const file = await writePairs(h.sim, h.dir, 8, 100);
    const importId = await ingestOnly(h, file.path);
    const jobs = await queuedJobs(h, importId);
    expect(jobs.map(({ data }) => data.summary)).toEqual(Array.from({ length: 8 }, () => expect.stringMatching(/^1 call, 100 rows \(rows \d+ to \d+\)$/)));
    await h.runtime.queues.sync.resume();
    const record = await h.waitDone(importId);
    expect(record).toMatchObject({ state: 'done', success: 800, error: 0, calls: 8 });
    expect(associationsOf(h.sim)).toEqual(file.associations);
  });

  it('holds a 40,000-row import in at most 32 bytes a row of job hashes while it waits to sync (its multi-call jobs)', async () => {
    const h = closeAfter(await startHarness());
    // Shaped as the bench's file (bench/generate-csv.ts): about five deals a contact, scattered through
    // the file, a deal among 50,000, a role among Zoho's ten.
    const random = createRandom(19);
    const rows = 40_000;
    const roles = h.sim.dataset.contactRoles;
    const cells = [['contact_ext_id', 'deal_ext_id', 'contact_role']];
    for (let row = 1; row <= rows; row++) {
      cells.push([`C-${String(Math.floor(random() * rows / 5)).padStart(7, '0')}`, `D-${String(Math.floor(random() * 50_000)).padStart(6, '0')}`, roles[row % roles.length]!.id]);
    }
    const file = await h.writeCsv('scattered.csv', cells);
    const importId = await ingestOnly(h, file);
    const record = (await h.runtime.ledger.getImport(importId))!;
    const jobs = await queuedJobs(h, importId);
    expect(callsPerJob(record.plannedCalls!)).toBe(16);
    const redis = redisClients.client();
    const sizeOf = async (key: string): Promise<number> => Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    let bytes = 0;
    let entries = 0;
    for (const { key, data } of jobs) {
      if (syncCallCount(data) < 16) continue;
      bytes += await sizeOf(key);
      entries += syncCallsOf(data).reduce((sum, call) => sum + call.entries.length, 0);
    }
    expect(entries).toBeGreaterThan(rows * 0.8);
    // Measured: 27.6 bytes a row deflated; 40.6 packed but not deflated (the layout before).
    expect(bytes / entries).toBeLessThanOrEqual(32);
  });
});
