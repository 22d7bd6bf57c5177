/**
 * Every import ends. The reconciler compares each unfinished import in the ledger with its `import`
 * job and settles every disagreement the processor itself cannot see, because its code never ran:
 * BullMQ failed the job on its own ("job stalled more than allowable limit" after a worker crash loop),
 * Redis refused the write of `failed`, or the job is gone. An import whose job failed is resumed where
 * that is safe (its steps are idempotent) up to RELSYNC_IMPORT_MAX_RESUMES times, else it is failed:
 * nothing more is sent, its rows without an outcome get IMPORT_FAILED, its report is written, its dedup
 * claim is released, and `--wait` returns. One worker runs it at a time, under a Redis lease.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { ImportRecord, RunLedger } from '../ledger/run-ledger.js';
import { writeReportFor } from './finalize-import.js';
import { localInput } from './shared-storage.js';
import { csvOptionsFor, storedProfile } from './import-record.js';
import { isDiskError, reportProblem } from './report-target.js';

/** What the reconciler needs of an `import` job, whatever runs the queue (BullMQ in the worker). */
export interface ImportJobView {
  state: string;
  failedReason?: string;
  /** Run the failed job again from the step it saved. */
  retry(): Promise<void>;
}

export interface ReconcileDeps {
  config: Pick<Config, 'limits' | 'reconcile' | 'reportDir' | 'remote'>;
  ledger: RunLedger;
  /** The import's job, or undefined when Redis has none under that id. */
  importJob: (jobId: string) => Promise<ImportJobView | undefined>;
  /** Put the `import` job of a recorded import on the queue (its registrar died before it could). */
  requeue: (record: ImportRecord) => Promise<void>;
  log: Logger;
  now?: () => number;
}

export interface ReconcileResult {
  checked: number;
  resumed: string[];
  requeued: string[];
  failed: string[];
}

export async function reconcileImports(deps: ReconcileDeps): Promise<ReconcileResult> {
  const now = (deps.now ?? Date.now)();
  const result: ReconcileResult = { checked: 0, resumed: [], requeued: [], failed: [] };
  for (const id of await deps.ledger.activeImports()) {
    const record = await deps.ledger.getImport(id);
    // A record that is finished (or gone with retention) is no longer active: update() took it out,
    // or it will be at its next state change; nothing to settle here.
    if (!record || record.state === 'done' || record.state === 'failed') continue;
    result.checked += 1;
    // A young import may be between its record and its job (the CLI records first, then enqueues).
    if (now - record.createdAt < deps.config.reconcile.graceMs) continue;
    const job = await deps.importJob(record.jobId ?? record.id);
    if (!job) {
      if (record.state === 'queued' && record.source !== '') {
        await deps.requeue(record);
        deps.log.warn({ importId: id }, 'reconciler: a recorded import had no job (its registrar stopped in between); queued it');
        result.requeued.push(id);
      } else {
        await failImport(deps, record, `its import job is gone from Redis while the import was ${record.state}`);
        result.failed.push(id);
      }
      continue;
    }
    if (job.state === 'failed') {
      const resumes = record.resumes ?? 0;
      if (resumes < deps.config.reconcile.maxResumes) {
        await deps.ledger.update(id, { resumes: resumes + 1 });
        await job.retry();
        deps.log.warn({ importId: id, reason: job.failedReason, resume: resumes + 1 }, 'reconciler: the import job failed outside relsync; resumed it where it was');
        result.resumed.push(id);
      } else {
        await failImport(deps, record, `the import job failed: ${job.failedReason ?? 'no reason given'}${resumes > 0 ? ` (after ${resumes} resume(s))` : ''}`);
        result.failed.push(id);
      }
    } else if (job.state === 'completed') {
      await failImport(deps, record, 'the import job completed without recording the end of the import');
      result.failed.push(id);
    }
  }
  return result;
}

/**
 * Fail an import for good, as the processor would have: stop its sending, give every row without an
 * outcome IMPORT_FAILED, write its report (a disk error leaves `reportError`), mark it failed and free
 * its content for a new import.
 */
export async function failImport(deps: Pick<ReconcileDeps, 'ledger' | 'config' | 'log'>, record: ImportRecord, reason: string): Promise<void> {
  const { ledger } = deps;
  await ledger.stopImport(record.id, 'IMPORT_FAILED', reason);
  const message = `not sent: the import failed (${reason})`;
  let reportError: string | undefined;
  if (record.source !== '' && record.reportPath) {
    const profile = storedProfile(record);
    try {
      // Rows without an outcome get IMPORT_FAILED, recorded as the report reaches them, so the
      // ledger's counters and the report agree.
      const counts = await writeReportFor({ ledger, log: deps.log, shared: { remote: deps.config.remote, reportDir: deps.config.reportDir } }, {
        importId: record.id, sourcePath: await localInput(deps.config, record), profile, reportPath: record.reportPath,
        csv: { ...csvOptionsFor(profile, deps.config.limits), shownAs: record.originalPath },
        stop: { code: 'IMPORT_FAILED', reason: message },
      });
      if (record.rows === undefined) await ledger.update(record.id, { rows: counts.rows });
    } catch (error) {
      if (!isDiskError(error)) deps.log.warn({ err: error, importId: record.id }, 'reconciler: could not write the report of a failed import');
      reportError = isDiskError(error) ? reportProblem(record.reportPath, error) : undefined;
    }
  }
  await ledger.setState(record.id, 'failed', { failedReason: reason, finishedAt: Date.now(), ...(reportError ? { reportError } : {}) });
  if (record.contentHash) await ledger.releaseContent(record.contentHash, record.id);
  deps.log.error({ importId: record.id, reason }, 'import failed');
}
