/**
 * Finalize: every row without an outcome gets one (a batch that failed for good in BullMQ terms), the
 * report is written from the input file and the stored outcomes, and the import is marked done.
 */
import type { Logger } from 'pino';
import type { ImportSummary } from '../../jobs/import.job.js';
import { OutcomeCodes } from '../domain/row-outcome.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import type { Profile } from '../profile/profile.js';
import { writeReport } from '../report/report-writer.js';
import type { CsvReadOptions } from '../csv/csv-reader.js';

export interface FinalizeDeps { ledger: RunLedger; log: Logger; now?: () => number }

export interface ReportInput { importId: string; sourcePath: string; profile: Profile; reportPath: string; csv: CsvReadOptions }

export async function finalizeImport(deps: FinalizeDeps, input: ReportInput): Promise<ImportSummary> {
  const { ledger } = deps;
  const { importId, reportPath } = input;
  await ledger.setState(importId, 'reporting', { pausedReason: undefined, pausedUntil: undefined });
  await markRowsWithoutOutcome(deps, importId);
  const counts = await writeReportFor(deps, input);
  await ledger.setState(importId, 'done', { finishedAt: (deps.now ?? Date.now)(), reportPath });
  deps.log.info({ ...counts, reportPath }, 'import done');
  return { importId, status: 'done', rows: counts.rows, success: counts.success, error: counts.error, skipped: counts.skipped, reportPath };
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

/** Write (or rewrite) the report of an import from its stored outcomes. */
export async function writeReportFor(deps: FinalizeDeps, input: ReportInput) {
  const record = await deps.ledger.getImport(input.importId);
  const startedAt = record?.startedAt ?? record?.createdAt;
  return writeReport({
    input: input.sourcePath,
    csv: input.csv,
    reportPath: input.reportPath,
    lookup: (rows) => deps.ledger.getOutcomes(input.importId, rows),
    summaryExtra: {
      importId: input.importId,
      source: record?.sourceName,
      profile: record?.profileName,
      calls: record?.calls ?? 0,
      retries: record?.retries ?? 0,
      rateLimited: record?.rateLimited ?? 0,
      durationMs: startedAt ? (deps.now ?? Date.now)() - startedAt : undefined,
    },
  });
}
