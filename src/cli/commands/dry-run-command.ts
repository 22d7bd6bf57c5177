/**
 * `relsync import <file> --dry-run`: parse, validate, group and plan without Redis or Zoho. Prints the
 * plan (rows, calls, credits, an estimated duration at ZOHO_CONCURRENCY) and writes a report where
 * rows that would fail validation are errors and the rest are `skipped` with code DRY_RUN. The report
 * goes to REPORT_DIR (`<stem>.dry-run.csv`): never beside the input, which may be a watched folder
 * that would import it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { OutcomeCodes, type RowOutcome } from '../../domain/row-outcome.js';
import { fieldSpecs } from '../../profile/profile.js';
import { writeReport } from '../../report/report-writer.js';
import { csvOptionsFor } from '../../usecases/import-record.js';
import { ingestImport } from '../../usecases/ingest-import.js';
import { checkHeader, preflight } from '../../usecases/register-import.js';
import { downloadFile } from '../../usecases/input-snapshot.js';
import { formatLocation, isRemote, nameOf, parseLocation } from '../../storage/location.js';
import { checkReportPlace, checkReportTarget } from '../../usecases/report-target.js';
import { resolveProfile } from '../../usecases/resolve-source.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { silentLogger } from '../silent-logger.js';

/**
 * Zoho answers a call in about 100-300 ms (our working figure, not Zoho's:
 * docs/zoho.md#unknown-how-long-a-call-takes); the estimate uses the middle.
 */
const TYPICAL_CALL_MS = 200;

export interface DryRunOptions { profile: string; report?: string }

export async function runDryRun(io: CliIO, config: Config, file: string, options: DryRunOptions): Promise<number> {
  if (!isRemote(file)) return dryRun(io, config, file, await preflight(file, (await resolveProfile(options.profile, io.cwd)).profile, config, io.cwd), options);
  // A remote file is downloaded once, streaming, to a spool file that the dry run reads and removes.
  const location = parseLocation(file, 'file');
  const { profile } = await resolveProfile(options.profile, io.cwd);
  const spool = join(config.reportDir, '.spool', `dry-run-${randomBytes(6).toString('hex')}.csv`);
  await mkdir(dirname(spool), { recursive: true });
  try {
    await downloadFile(formatLocation(location), spool, { shownAs: formatLocation(location), remote: config.remote, maxFileBytes: config.limits.maxFileBytes });
    await checkHeader(spool, profile, config, formatLocation(location));
    return await dryRun(io, config, file, spool, options, nameOf(location));
  } finally {
    await rm(spool, { force: true });
  }
}

async function dryRun(io: CliIO, config: Config, file: string, source: string, options: DryRunOptions, name = basename(source)): Promise<number> {
  const { profile } = await resolveProfile(options.profile, io.cwd);
  const reportPath = options.report ? resolve(io.cwd, options.report) : join(config.reportDir, `${name.replace(/\.csv$/i, '')}.dry-run.csv`);
  await checkReportPlace(reportPath, { input: source, watchDir: config.watchDir }, options.report ? '--report' : 'REPORT_DIR');
  await checkReportTarget(reportPath);
  const outcomes = new Map<number, RowOutcome>();
  let calls = 0;
  let entries = 0;
  const sink = {
    recordOutcomes: async (_id: string, list: readonly RowOutcome[]) => (list.forEach((o) => outcomes.set(o.row, o)), list.length),
    update: async () => undefined,
  };
  // No Zoho here: names in lookup columns pass through unchecked (the output says so).
  const plan = await ingestImport({ ledger: sink, log: silentLogger(), limits: config.limits, lookups: 'unchecked' }, {
    importId: 'dry-run', sourcePath: source, sourceName: file, profile,
    enqueue: async (jobs) => {
      for (const job of jobs) {
        calls += job.calls.length;
        entries += job.calls.reduce((sum, call) => sum + call.entries.length, 0);
      }
    },
  });
  const counts = await writeReport({
    input: source, csv: { ...csvOptionsFor(profile, config.limits), shownAs: file }, reportPath,
    lookup: async (rows) => rows.map((row) => outcomes.get(row) ?? { row, status: 'skipped', code: OutcomeCodes.DRY_RUN, message: 'valid: would be sent (dry run)' }),
    summaryExtra: { dryRun: true, calls },
  });
  const seconds = Math.ceil((calls * TYPICAL_CALL_MS) / 1000 / config.zoho.concurrency);
  const lookups = fieldSpecs(profile).filter((field) => field.lookup !== undefined).map((field) => `${field.column} (${field.lookup})`);
  io.stdout.write([
    `dry run of ${file} (${options.profile}): ${plan.rows} rows`,
    `  valid, to send:        ${entries}`,
    `  invalid (errors):      ${plan.invalid}`,
    `  duplicates (skipped):  ${plan.superseded}`,
    `  base records:          ${plan.baseRecords}`,
    `  API calls:             ${calls} (at most 100 entries each)`,
    `  credits:               ${calls} at 1 per call (Zoho does not document this API's cost; up to ${Math.ceil(entries / 10)} if billed 1 per 10 records)`,
    `  estimated duration:    ~${seconds}s at ZOHO_CONCURRENCY=${config.zoho.concurrency} and ~${TYPICAL_CALL_MS} ms per call`,
    ...(lookups.length === 0 ? [] : [`  lookups not checked:   ${lookups.join(', ')}: a dry run has no Zoho, so names pass as written (relsync check --file resolves them)`]),
    `report: ${reportPath}`,
  ].join('\n') + '\n');
  return counts.error > 0 ? ExitCode.rowsInError : ExitCode.ok;
}
