/**
 * Every import ends: a worker killed four times in a row while it ingests (a crash loop on a big
 * file) makes BullMQ fail the import job on its own ("stalled more than allowable limit"), without
 * running our code. The reconciler sees it, fails the import with BullMQ's reason, gives every row an
 * outcome and writes the report, so `--wait` returns; and importing the same file again is a new
 * import, never folded into the failed one by the dedup window. Real worker processes, SIGKILL.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { useCleanup } from '../helpers/cleanup.js';
import { startProcessHarness } from '../helpers/harness.js';

describe('an import job killed four times in a row', () => {
  const closeAfter = useCleanup();

  it('ends failed with the reason BullMQ gave, every row an outcome, and a re-import runs', async () => {
    const h = closeAfter(await startProcessHarness({
      env: {
        RELSYNC_LOCK_DURATION_MS: '1000', RELSYNC_STALLED_INTERVAL_MS: '500', RELSYNC_MAX_STALLED_COUNT: '3',
        RELSYNC_RECONCILE_INTERVAL_MS: '500', RELSYNC_RECONCILE_GRACE_MS: '0', RELSYNC_IMPORT_MAX_RESUMES: '0',
        RELSYNC_DEDUP_WINDOW_S: '3600',
      },
    }));
    const rows = 150_000;
    // Rows with no related value: ingest reads and records every one (slow enough to be killed in), and none is sent.
    const lines = ['contact_ext_id,deal_ext_id,contact_role', ...Array.from({ length: rows }, (_, i) => `C-${i},,`)];
    const file = join(h.dir, 'big.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    const importId = await h.importFile(file);

    let lastStart = 0;
    for (let kill = 1; kill <= 4; kill += 1) {
      const [worker] = await h.spawnWorkers(1);
      const job = await eventually(`the import job running again (kill ${kill})`, async () => {
        const found = await h.runtime.queues.imports.getJob(importId);
        return found && (await found.getState()) === 'active' && (found.processedOn ?? 0) > lastStart ? found : undefined;
      }, { everyMs: 20 });
      lastStart = job.processedOn!;
      worker!.kill('SIGKILL');
      await worker!.exited;
    }
    // One healthy worker: its stall check fails the job, its reconciler settles the import.
    await h.spawnWorkers(1);
    const ended = await h.waitDone(importId);
    expect(ended).toMatchObject({ state: 'failed', rows, stopCode: 'IMPORT_FAILED' });
    expect(ended.failedReason).toMatch(/^the import job failed: .*stalled more than allowable limit/);
    expect(ended.success + ended.error + ended.skipped).toBe(rows);
    const report = await h.readReport(ended.reportPath!);
    expect(report).toHaveLength(rows);
    // Rows ingested before the last kill have their own outcome; the rest were never read: IMPORT_FAILED.
    expect(report.every((r) => r._status === 'error' && (r._code === 'MISSING_VALUE' || r._code === 'IMPORT_FAILED'))).toBe(true);
    expect(report.some((r) => r._code === 'IMPORT_FAILED')).toBe(true);
    expect(h.sim.counters.calls).toBe(0);

    const again = await h.importFile(file);
    expect(again).not.toBe(importId);
    expect(await h.waitDone(again)).toMatchObject({ state: 'done', rows, error: rows });
  });
});
