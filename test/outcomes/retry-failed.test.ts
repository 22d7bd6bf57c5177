/**
 * A failed import is not a dead end: failing it (as the reconciler does) gives every unsent row
 * IMPORT_FAILED and writes the report, and `retry` then re-sends exactly those rows from the import's
 * own copy of its input. No worker runs until the retry, so nothing was sent before.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { registrationFor } from '../../src/app/queues.js';
import { failImport } from '../../src/usecases/reconcile-imports.js';
import { retryImport } from '../../src/usecases/retry-import.js';
import { useCleanup } from '../helpers/cleanup.js';
import { startProcessHarness } from '../helpers/harness.js';
import { associationsOf, writePairs } from '../helpers/pairs.js';

describe('retry of a failed import', () => {
  const closeAfter = useCleanup();

  it('re-sends the rows the failed import never sent, and they succeed', async () => {
    const h = closeAfter(await startProcessHarness());
    const pairs = await writePairs(h.sim, h.dir, 6, 1);
    const importId = await h.importFile(pairs.path);
    const record = (await h.runtime.ledger.getImport(importId))!;
    await failImport({ ledger: h.runtime.ledger, config: h.config, log: pino({ level: 'silent' }) }, record, 'its import job is gone from Redis while the import was queued');

    const failed = await h.runtime.ledger.getImport(importId);
    expect(failed).toMatchObject({ state: 'failed', rows: 6, error: 6, stopCode: 'IMPORT_FAILED' });
    const report = await h.readReport(failed!.reportPath!);
    expect(report.map((r) => r._code)).toEqual(Array(6).fill('IMPORT_FAILED'));
    expect(h.sim.counters.calls).toBe(0);

    const retry = await retryImport(registrationFor(h.config, h.runtime), importId, h.dir);
    expect(retry.rows).toBe(6);
    await h.spawnWorkers(1);
    expect(await h.waitDone(retry.importId)).toMatchObject({ state: 'done', success: 6, error: 0, retryOf: importId });
    expect(associationsOf(h.sim)).toEqual(pairs.associations);
  });
});
