/**
 * `relsync import <file> --dry-run`: parse, validate, group and plan without Redis or Zoho. Prints the
 * plan (rows, calls, credits, an estimated duration at ZOHO_CONCURRENCY) and writes a report where
 * rows that would fail validation are errors and the rest are `skipped` with code DRY_RUN. The report
 * goes to REPORT_DIR (`<stem>.dry-run.csv`): never beside the input, which may be a watched folder
 * that would import it. An incremental dry run also reads the sync state from Redis and counts the
 * pairs an incremental import would send (new, changed, expired) and skip (unchanged, reported UNCHANGED).
 */
import { basename, join, resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { OutcomeCodes, type RowOutcome } from '../../domain/row-outcome.js';
import { fieldSpecs } from '../../profile/profile.js';
import { writeReport } from '../../report/report-writer.js';
import { csvOptionsFor } from '../../usecases/import-record.js';
import { ingestImport } from '../../usecases/ingest-import.js';
import { preflight } from '../../usecases/register-import.js';
import { checkReportPlace, checkReportTarget } from '../../usecases/report-target.js';
import { resolveProfile } from '../../usecases/resolve-source.js';
import { withIncremental } from '../../usecases/register-import.js';
import type { IncrementalCounts } from '../../usecases/incremental-plan.js';
import type { IngestDeps } from '../../usecases/ingest-import.js';
import { SyncStateStore } from '../../ledger/sync-state.js';
import { dayOf, syncTargetOf } from '../../plan/pair-state.js';
import type { Profile } from '../../profile/profile.js';
import { withCliRuntime } from '../cli-runtime.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { silentLogger } from '../silent-logger.js';

/**
 * Zoho answers a call in about 100-300 ms (our working figure, not Zoho's:
 * docs/zoho.md#unknown-how-long-a-call-takes); the estimate uses the middle.
 */
const TYPICAL_CALL_MS = 200;

export interface DryRunOptions {
  profile: string;
  report?: string;
  /** `--incremental` / `--full` over the profile's: an incremental dry run reads the sync state from Redis. */
  incremental?: boolean;
  /** The state's clock (tests). */
  now?: () => number;
}

export async function runDryRun(io: CliIO, config: Config, file: string, options: DryRunOptions): Promise<number> {
  const { profile } = withIncremental(await resolveProfile(options.profile, io.cwd), options.incremental);
  if (!profile.incremental) return dryRun(io, config, file, options, profile);
  // The only Redis a dry run reads: the incremental sync state, to count what would be sent.
  return withCliRuntime(config, { persistent: false }, (runtime) => dryRun(io, config, file, options, profile, {
    state: new SyncStateStore(runtime.redis, config.prefix), targetId: syncTargetOf(config.zoho, profile).id,
    today: dayOf((options.now ?? Date.now)()), maxAgeDays: config.incrementalMaxAgeDays,
  }));
}

async function dryRun(io: CliIO, config: Config, file: string, options: DryRunOptions, profile: Profile, syncState?: IngestDeps['syncState']): Promise<number> {
  const source = await preflight(file, profile, config, io.cwd);
  const reportPath = options.report ? resolve(io.cwd, options.report) : join(config.reportDir, `${basename(source).replace(/\.csv$/i, '')}.dry-run.csv`);
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
  const plan = await ingestImport({ ledger: sink, log: silentLogger(), limits: config.limits, lookups: 'unchecked', syncState }, {
    importId: 'dry-run', sourcePath: source, sourceName: file, profile,
    enqueue: async (jobs) => {
      for (const job of jobs) {
        calls += job.calls.length;
        entries += job.calls.reduce((sum, call) => sum + call.entries.length, 0);
      }
    },
  });
  const counts = await writeReport({
    input: source, csv: csvOptionsFor(profile, config.limits), reportPath,
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
    ...(plan.incremental ? [incrementalLine(plan.incremental, config.incrementalMaxAgeDays)] : []),
    `  base records:          ${plan.baseRecords}`,
    `  API calls:             ${calls} (at most 100 entries each)`,
    `  credits:               ${calls} at 1 per call (Zoho does not document this API's cost; up to ${Math.ceil(entries / 10)} if billed 1 per 10 records)`,
    `  estimated duration:    ~${seconds}s at ZOHO_CONCURRENCY=${config.zoho.concurrency} and ~${TYPICAL_CALL_MS} ms per call`,
    ...(lookups.length === 0 ? [] : [`  lookups not checked:   ${lookups.join(', ')}: a dry run has no Zoho, so names pass as written (relsync check --file resolves them)`]),
    `report: ${reportPath}`,
  ].join('\n') + '\n');
  return counts.error > 0 ? ExitCode.rowsInError : ExitCode.ok;
}

/** `  incremental:           12 new, 3 changed, 40 expired (sent); 9,945 unchanged (skipped)` */
function incrementalLine(counts: IncrementalCounts, maxAgeDays: number): string {
  return `  incremental:           ${counts.new} new, ${counts.changed} changed, ${counts.expired} expired (not confirmed for ${maxAgeDays} days): sent; ${counts.unchanged} unchanged (skipped)`;
}
