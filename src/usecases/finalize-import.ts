/**
 * Finalize: every row without an outcome gets one (a job that failed for good in BullMQ terms; or, in
 * an import that was stopped, the stop's: `skipped` / ABORTED or CANCELLED), the report is written from
 * the import's snapshot and the stored outcomes, and the import is marked done. A stopped import may
 * never have been read (cancelled before ingest): its rows are numbered as the report reads them.
 * Writing the report is its own retried step: a full or read-only disk is tried again with backoff,
 * then the import is `done` with `reportError` (its rows were all sent; `relsync report` writes it).
 */
import type { Logger } from 'pino';
import type { ImportSummary } from '../../jobs/import.job.js';
import { OutcomeCodes, type RemovalOutcome, type RowOutcome } from '../domain/row-outcome.js';
import type { RunLedger, StopCode } from '../ledger/run-ledger.js';
import type { Profile } from '../profile/profile.js';
import { NO_OUTCOME, writeReport, type OutcomeLookup, type ReportCounts } from '../report/report-writer.js';
import { setTimeout as delay } from 'node:timers/promises';
import { isDiskError, reportProblem } from './report-target.js';
import type { CsvReadOptions } from '../csv/csv-reader.js';
import { rowOffsetsPath } from '../csv/row-offsets.js';
import type { RemoteSettings } from '../config/config.js';
import { oneLine } from '../errors.js';
import { isRemote } from '../storage/location.js';
import { isUnreachable } from '../storage/storage.js';
import { outgoingPath, publishReport } from './shared-storage.js';

export interface FinalizeDeps {
  ledger: RunLedger;
  log: Logger;
  now?: () => number;
  /** First wait before a report write that hit a disk error is tried again (ms); then 5x and 15x it. Default 1 s. */
  reportRetryMs?: number;
  /** For a report bound for RELSYNC_STORAGE (a URL): how to reach it, and where it is written first. */
  shared?: { remote: RemoteSettings; reportDir: string };
}

export interface ReportInput {
  importId: string;
  sourcePath: string;
  profile: Profile;
  reportPath: string;
  csv: CsvReadOptions;
  /**
   * The import's stop, when finalizing a stopped import: a row without an outcome gets the stop's,
   * recorded as the report reaches it. Never for `relsync report` of a running import, whose calls
   * in flight may still be answered.
   */
  stop?: { code: StopCode; reason: string };
}

export async function finalizeImport(deps: FinalizeDeps, input: ReportInput): Promise<ImportSummary> {
  const { ledger } = deps;
  const { importId, reportPath } = input;
  await ledger.setState(importId, 'reporting', { pausedReason: undefined, pausedUntil: undefined });
  const stop = await ledger.stopOf(importId);
  if (!stop) await markRowsWithoutOutcome(deps, importId);
  await markRemovalsWithoutOutcome(deps, importId, stop);
  const written = await writeReportWithRetries(deps, { ...input, stop });
  if ('problem' in written) {
    await ledger.setState(importId, 'done', { finishedAt: (deps.now ?? Date.now)(), reportPath, reportError: written.problem });
    const record = await ledger.requireImport(importId);
    deps.log.error({ reason: written.problem }, 'import done, but its report could not be written; `relsync report` writes it');
    return { importId, status: 'done', rows: record.rows ?? 0, success: record.success, error: record.error, skipped: record.skipped, reportPath: null, reportError: written.problem };
  }
  const counts = written.counts;
  // An import stopped as failed (e.g. a wrong API domain) ends failed with that reason, its report written.
  const status = stop?.code === 'IMPORT_FAILED' ? 'failed' : 'done';
  await ledger.setState(importId, status, { finishedAt: (deps.now ?? Date.now)(), reportPath, reportError: undefined, rows: counts.rows, ...(status === 'failed' ? { failedReason: stop!.reason } : {}) });
  deps.log.info({ ...counts, reportPath }, status === 'failed' ? 'import failed; report written' : 'import done');
  const removals = await removalsSummary(ledger, importId);
  return { importId, status, rows: counts.rows, success: counts.success, error: counts.error, skipped: counts.skipped, reportPath, ...(removals ? { removals } : {}) };
}

/** A mirror's removals by status, for the summary the `import` job returns. */
async function removalsSummary(ledger: RunLedger, importId: string): Promise<ImportSummary['removals']> {
  const record = await ledger.getImport(importId);
  if (record?.plannedRemovals === undefined) return undefined;
  return { success: record.removalsSuccess ?? 0, error: record.removalsError ?? 0, skipped: record.removalsSkipped ?? 0 };
}

async function writeReportWithRetries(deps: FinalizeDeps, input: ReportInput): Promise<{ counts: ReportCounts } | { problem: string }> {
  const base = deps.reportRetryMs ?? 1_000;
  const delays = [base, 5 * base, 15 * base];
  for (let attempt = 0; ; attempt += 1) {
    try {
      return { counts: await writeReportFor(deps, input) };
    } catch (error) {
      // A disk that does not take the report, or shared storage that cannot be reached: tried again, then reportError.
      if (!isDiskError(error) && !isUnreachable(error)) throw error;
      const problem = isUnreachable(error) ? `cannot write the report ${input.reportPath}: ${oneLine(error)}` : reportProblem(input.reportPath, error);
      if (attempt >= delays.length) return { problem };
      deps.log.warn({ reason: problem, retryInMs: delays[attempt] }, 'could not write the report; trying again');
      await delay(delays[attempt]);
    }
  }
}

/** Every row ends with exactly one outcome: one whose call failed for good (in BullMQ terms) gets SYNC_FAILED. */
async function markRowsWithoutOutcome(deps: FinalizeDeps, importId: string): Promise<void> {
  const total = (await deps.ledger.getImport(importId))?.rows ?? 0;
  if ((await deps.ledger.countOutcomes(importId)) >= total) return;
  const missing = await deps.ledger.rowsWithoutOutcome(importId, total);
  deps.log.warn({ rows: missing.length }, 'rows without an outcome after sync; marking them SYNC_FAILED');
  for (let i = 0; i < missing.length; i += 1_000) {
    await deps.ledger.recordOutcomes(importId, missing.slice(i, i + 1_000).map((row) => ({
      row, status: 'error', code: OutcomeCodes.SYNC_FAILED, message: 'the call for this row failed for good before recording a result (see the worker log)',
    })));
  }
}

/**
 * Every planned removal ends with exactly one outcome too: one whose call failed for good gets
 * SYNC_FAILED; in a stopped import, one never sent gets the stop's.
 */
async function markRemovalsWithoutOutcome(deps: FinalizeDeps, importId: string, stop: { code: StopCode; reason: string } | undefined): Promise<void> {
  const record = await deps.ledger.getImport(importId);
  if (!record?.plannedRemovals) return;
  const missing = (await deps.ledger.removalsOf(importId)).filter((r) => r.outcome === undefined).map((r) => r.planned);
  if (missing.length === 0) return;
  deps.log.warn({ removals: missing.length }, 'removals without an outcome after sync');
  await deps.ledger.recordRemovals(importId, missing.map(({ base, related, relatedId }) => (stop
    ? { base, related, relatedId, status: stop.code === OutcomeCodes.IMPORT_FAILED ? 'error' : 'skipped', code: stop.code, message: stop.reason }
    : { base, related, relatedId, status: 'error', code: OutcomeCodes.SYNC_FAILED, message: 'the call for this removal failed for good before recording a result (see the worker log)' })));
}

/** The rows' outcomes; a row without one gets the stop's, recorded first so the counters agree with the report. */
async function outcomesOrStop(ledger: FinalizeDeps['ledger'], importId: string, rows: number[], stop: { code: StopCode; reason: string }): Promise<Array<RowOutcome | undefined>> {
  const found = await ledger.getOutcomes(importId, rows);
  const status = stop.code === OutcomeCodes.IMPORT_FAILED ? 'error' : 'skipped';
  const missing: RowOutcome[] = rows.filter((_, i) => found[i] === undefined).map((row) => ({ row, status, code: stop.code, message: stop.reason }));
  if (missing.length === 0) return found;
  await ledger.recordOutcomes(importId, missing);
  // Recorded at most once: read back, so a row answered meanwhile keeps its answer.
  return ledger.getOutcomes(importId, rows);
}

/**
 * An undo's report says of each pair it removed that the earlier import had added it (the pairs that
 * import found already linked are not in the undo: they stay).
 */
function undoneBy(undoOf: string | undefined, lookup: OutcomeLookup): OutcomeLookup {
  if (!undoOf) return lookup;
  return async (rows) => (await lookup(rows)).map((o) => (o?.status === 'success' ? { ...o, message: `${o.message}: added by ${undoOf}, undone` } : o));
}

/** A mirror's removals by status, as the summary and `status` show them. */
export function removalCounts(removals: ReadonlyArray<{ status: string }>): { removals: number; success: number; error: number; skipped: number } {
  const count = (status: string): number => removals.filter((r) => r.status === status).length;
  return { removals: removals.length, success: count('success'), error: count('error'), skipped: count('skipped') };
}

/**
 * Write (or rewrite) the report of an import from its stored outcomes. A report bound for shared
 * storage (a URL) is written on this machine first, then uploaded (shared-storage.ts publishReport).
 */
export async function writeReportFor(deps: FinalizeDeps, input: ReportInput): Promise<ReportCounts> {
  if (!isRemote(input.reportPath)) return writeLocalReport(deps, input, input.reportPath);
  if (!deps.shared) throw new Error(`writeReportFor: ${input.reportPath} is a URL, but no RELSYNC_STORAGE settings were given`);
  const local = outgoingPath(deps.shared.reportDir, input.reportPath);
  const counts = await writeLocalReport(deps, input, local);
  await publishReport(deps.shared.remote, local, input.reportPath);
  return counts;
}

async function writeLocalReport(deps: FinalizeDeps, input: ReportInput, reportPath: string): Promise<ReportCounts> {
  const record = await deps.ledger.getImport(input.importId);
  const startedAt = record?.startedAt ?? record?.createdAt;
  const { stop } = input;
  const mirror = input.profile.mode === 'mirror';
  // A stopped mirror's removals never sent get the stop's outcome, as its rows do; `relsync report` of
  // a running one shows those not answered yet as NO_OUTCOME, as it shows its rows.
  if (mirror && stop) await markRemovalsWithoutOutcome(deps, input.importId, stop);
  const removals: RemovalOutcome[] = mirror
    ? (await deps.ledger.removalsOf(input.importId)).map(({ planned: { base, related, relatedId }, outcome }) => outcome ?? { base, related, relatedId, status: 'error', code: NO_OUTCOME, message: 'no outcome was recorded' })
    : [];
  return writeReport({
    ...(mirror ? { removed: { columns: [input.profile.base.column, input.profile.related.column] as const, outcomes: removals } } : {}),
    input: input.sourcePath,
    // Ingest wrote it beside the import's copy of the input (when UTF-8): rows are then copied, not parsed.
    rowOffsets: rowOffsetsPath(input.sourcePath),
    csv: input.csv,
    reportPath,
    lookup: undoneBy(record?.undoOf, stop ? (rows) => outcomesOrStop(deps.ledger, input.importId, rows, stop) : (rows) => deps.ledger.getOutcomes(input.importId, rows)),
    summaryExtra: {
      importId: input.importId,
      source: record?.sourceName,
      profile: record?.profileName,
      calls: record?.calls ?? 0,
      retries: record?.retries ?? 0,
      rateLimited: record?.rateLimited ?? 0,
      durationMs: startedAt ? (deps.now ?? Date.now)() - startedAt : undefined,
      ...(input.profile.mode && input.profile.mode !== 'link' ? { mode: input.profile.mode } : {}),
      ...(mirror ? { removals: removalCounts(removals) } : {}),
      ...(record?.undoOf ? { undoOf: record.undoOf } : {}),
    },
  });
}
