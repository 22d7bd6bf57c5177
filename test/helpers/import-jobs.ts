/** An import run the way another service runs one: an `import` job on the imports queue, awaited. */
import type { ImportJobPayload, ImportSummary } from '../../jobs/import.job.js';
import { IMPORT_JOB_OPTIONS } from '../../jobs/import.job.js';
import { JobName } from '../../jobs/queues.js';
import type { ImportRecord } from '../../src/ledger/run-ledger.js';
import { importIdOf } from '../../src/usecases/import-record.js';
import type { Harness, ProcessHarness } from './harness.js';

export interface JobOutcome {
  importId: string;
  summary?: ImportSummary;
  /** The job's failedReason: what another service sees. */
  reason?: string;
  record?: ImportRecord;
}

/**
 * Add an `import` job as another service would and wait for it to complete or fail. A test of bad
 * payloads passes them cast: the worker, not the type, must refuse them.
 */
export async function runImportJob(h: Harness | ProcessHarness, payload: ImportJobPayload): Promise<JobOutcome> {
  const events = await h.importEvents();
  const job = await h.runtime.queues.imports.add(JobName.import, payload, IMPORT_JOB_OPTIONS);
  const importId = importIdOf(job.id, payload);
  let outcome: JobOutcome;
  try {
    outcome = { importId, summary: (await job.waitUntilFinished(events)) as ImportSummary };
  } catch (error) {
    outcome = { importId, reason: (error as Error).message };
  }
  return { ...outcome, record: await h.runtime.ledger.getImport(importId) };
}
