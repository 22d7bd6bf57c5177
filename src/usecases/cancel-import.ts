/**
 * `relsync cancel`: stop an import through the one stop there is (RunLedger.stopImport, CANCELLED).
 * Whatever the import is doing, nothing more is sent to Zoho: syncCall gives every row not yet sent
 * `skipped` / CANCELLED, and the report is written as for any import.
 *
 * Who ends it depends on where it is:
 * - queued, and no worker has taken its job yet: the canceller removes the job and finalizes the
 *   import itself (its rows all CANCELLED, the report written from its input snapshot). Leaving it to
 *   a worker would leave it queued for as long as no worker runs — and at 2 a.m. that may be why it
 *   is being cancelled. Removing a job a worker holds fails (its lock), so the two never both run it;
 * - taken by a worker (ingesting, syncing, or queued a moment ago): that worker sees the stop before
 *   its next call (or before ingest) and finishes within seconds, writing the report.
 */
import { access } from 'node:fs/promises';
import type { Config } from '../config/config.js';
import { OutcomeCodes } from '../domain/row-outcome.js';
import { ErrorCodes, UserError } from '../errors.js';
import type { ImportRecord, RunLedger } from '../ledger/run-ledger.js';
import { finalizeImport, type FinalizeDeps } from './finalize-import.js';
import { csvOptionsFor, defaultReportPath, storedProfile } from './import-record.js';

export interface CancelDeps extends FinalizeDeps {
  ledger: RunLedger;
  config: Pick<Config, 'limits' | 'reportDir'>;
  /**
   * Remove the import's job if no worker holds it (waiting or delayed), and say how to put it back;
   * also when it was never there. Undefined when a worker has it (or it cannot be removed): that
   * worker ends the import.
   */
  removeQueuedJob: (record: ImportRecord) => Promise<{ putBack(): Promise<void> } | undefined>;
  now?: () => number;
}

export type CancelResult =
  /** No worker had it: ended here, its report written. */
  | { kind: 'ended'; record: ImportRecord }
  /** A worker has it and ends it; `stop` is the stop in force (an earlier ABORTED wins over this cancel). */
  | { kind: 'stopping'; record: ImportRecord; stop: { code: string; reason: string } };

export async function cancelImport(deps: CancelDeps, importId: string): Promise<CancelResult> {
  const record = await deps.ledger.requireImport(importId);
  if (record.state === 'done' || record.state === 'failed' || record.state === 'reporting') {
    const what = record.state === 'reporting' ? 'is writing its report (every row has its outcome)' : `has already ended (${record.state})`;
    throw new UserError(ErrorCodes.IMPORT_ENDED, `${importId} ${what}: nothing to cancel`);
  }
  const at = new Date((deps.now ?? Date.now)()).toISOString();
  const stop = await deps.ledger.stopImport(importId, OutcomeCodes.CANCELLED, `cancelled with 'relsync cancel' at ${at}`);
  // Ended here only if its input can be read here (a watched folder's import lives on the worker's
  // disk) and no worker has taken the job meanwhile.
  const removed = record.state === 'queued' && (await readable(record.source)) ? await deps.removeQueuedJob(record) : undefined;
  if (removed) {
    const profile = storedProfile(record);
    try {
      await finalizeImport(deps, {
        importId, sourcePath: record.source, profile,
        reportPath: record.reportPath ?? defaultReportPath(deps.config, importId),
        csv: { ...csvOptionsFor(profile, deps.config.limits), shownAs: record.originalPath },
      });
    } catch (error) {
      // Not ended here after all: its job goes back, and a worker ends it (it sees the stop).
      await removed.putBack().catch(() => undefined);
      throw error;
    }
    return { kind: 'ended', record: await deps.ledger.requireImport(importId) };
  }
  return { kind: 'stopping', record, stop };
}

async function readable(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
