/**
 * `relsync report <id> [--out path]`: write an import's report from its stored outcomes. A report in
 * shared storage (RELSYNC_STORAGE) is downloaded to `--out` as the worker wrote it, with its errors
 * file and summary; one that is not there (the worker could not write it) is written anew.
 */
import { resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { ErrorCodes, UserError } from '../../errors.js';
import type { ImportRecord } from '../../ledger/run-ledger.js';
import { isRemote } from '../../storage/location.js';
import { writeReportFor } from '../../usecases/finalize-import.js';
import type { ReportCounts } from '../../report/report-writer.js';
import { isDiskError, reportProblem } from '../../usecases/report-target.js';
import { csvOptionsFor, defaultReportPath, storedProfile } from '../../usecases/import-record.js';
import { downloadReport, localInput } from '../../usecases/shared-storage.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime, type CliRuntime } from '../cli-runtime.js';
import { silentLogger } from '../silent-logger.js';

type Counts = Pick<ReportCounts, 'rows' | 'success' | 'error' | 'skipped'>;

export async function runReport(io: CliIO, config: Config, importId: string, options: { out?: string }): Promise<number> {
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
    const record = await runtime.ledger.requireImport(importId);
    const reportPath = options.out ? resolve(io.cwd, options.out) : (record.reportPath ?? defaultReportPath(config, importId));
    const counts = await bringReport(config, runtime, record, reportPath);
    return printed(io, reportPath, counts, record);
  });
}

/**
 * Bring an import's report to `reportPath`: downloaded, with its errors file and summary, when the
 * worker wrote it to shared storage and `reportPath` is another place; otherwise written anew from the
 * stored outcomes. Also for `import --wait --report <path>` with RELSYNC_STORAGE.
 */
export async function bringReport(config: Config, runtime: Pick<CliRuntime, 'ledger'>, record: ImportRecord, reportPath: string): Promise<Counts> {
  if (reportPath !== record.reportPath && record.state === 'done' && !record.reportError && record.reportPath && isRemote(record.reportPath)
    && (await downloadReport(config.remote, record.reportPath, reportPath))) {
    return { rows: record.rows ?? 0, success: record.success, error: record.error, skipped: record.skipped };
  }
  const profile = storedProfile(record);
  const counts = await writeReportFor({ ledger: runtime.ledger, log: silentLogger(), shared: { remote: config.remote, reportDir: config.reportDir } }, {
    importId: record.id, sourcePath: await localInput(config, record), profile, reportPath, csv: { ...csvOptionsFor(profile, config.limits), shownAs: record.originalPath },
  }).catch((error: unknown) => {
    if (isDiskError(error)) throw new UserError(ErrorCodes.REPORT_NOT_WRITABLE, reportProblem(reportPath, error), { cause: error });
    throw error;
  });
  // The report the worker could not write is written now: the import no longer says it is missing.
  if (record.reportError && reportPath === record.reportPath) await runtime.ledger.update(record.id, { reportError: undefined });
  return counts;
}

function printed(io: CliIO, reportPath: string, counts: Counts, record: ImportRecord): number {
  io.stdout.write(`${reportPath}\n`);
  io.stderr.write(`${counts.rows} rows: ${counts.success} success, ${counts.error} error, ${counts.skipped} skipped${record.state !== 'done' ? ` (import is ${record.state}: rows without an outcome yet are reported as errors NO_OUTCOME)` : ''}\n`);
  return counts.error > 0 ? ExitCode.rowsInError : ExitCode.ok;
}
