/**
 * `relsync import <file> --dry-run`: parse, validate, group and plan without Redis or Zoho. Prints the
 * plan (rows, calls, credits, an estimated duration at ZOHO_CONCURRENCY) and writes a report where
 * rows that would fail validation are errors and the rest are `skipped` with code DRY_RUN. The report
 * goes to REPORT_DIR (`<stem>.dry-run.csv`): never beside the input, which may be a watched folder
 * that would import it.
 *
 * With `--mode unlink` or `mirror` (or a profile's) it is a preview: the current links are read from
 * Zoho (GET only, with the token the workers share in Redis) and planned by the very code of the real
 * run (usecases/plan-links.ts), so its counts (to add, update, leave, remove) are the run's. A mirror
 * also gets the `.removed.csv` it would write, and the removal guard's verdict (exit 1 when it would stop).
 * that would import it. An incremental dry run also reads the sync state from Redis and counts the
 * pairs an incremental import would send (new, changed, expired) and skip (unchanged, reported UNCHANGED).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ImportMode } from '../../../jobs/import.job.js';
import type { Config } from '../../config/config.js';
import { OutcomeCodes, type RemovalOutcome, type RowOutcome } from '../../domain/row-outcome.js';
import type { MarkedOutcomes, PlannedRemoval } from '../../ledger/run-ledger.js';
import { fieldSpecs } from '../../profile/profile.js';
import { writeReport } from '../../report/report-writer.js';
import { csvOptionsFor, withIncremental, withMode } from '../../usecases/import-record.js';
import type { Profile } from '../../profile/profile.js';
import { ingestImport, type IngestDeps, type IngestResult } from '../../usecases/ingest-import.js';
import type { LinkPlanDeps } from '../../usecases/plan-links.js';
import { createSharedTokens } from '../../zoho/shared-tokens.js';
import { ZohoClient } from '../../zoho/zoho-client.js';
import { commandCallGate } from '../../app/call-gates.js';
import { withCliRuntime } from '../cli-runtime.js';
import { checkHeader, preflight } from '../../usecases/register-import.js';
import { downloadFile } from '../../usecases/input-snapshot.js';
import { formatLocation, isRemote, nameOf, parseLocation } from '../../storage/location.js';
import { checkReportPlace, checkReportTarget } from '../../usecases/report-target.js';
import { resolveProfile } from '../../usecases/resolve-source.js';
import type { IncrementalCounts } from '../../usecases/incremental-plan.js';
import { SyncStateStore } from '../../ledger/sync-state.js';
import { dayOf, syncTargetOf } from '../../plan/pair-state.js';
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
  mode?: ImportMode;
  allowRemovals?: boolean;
  /** `--incremental` / `--full` over the profile's: an incremental dry run reads the sync state from Redis. */
  incremental?: boolean;
  /** The state's clock (tests). */
  now?: () => number;
}

/** What a dry run reads besides the file: Zoho's current links (unlink, mirror), or the sync state (incremental). */
interface DryRunReads { links?: LinkPlanDeps; syncState?: IngestDeps['syncState']; /** The report's name stem (a downloaded file's own name). */ reportName?: string }

export async function runDryRun(io: CliIO, config: Config, file: string, options: DryRunOptions): Promise<number> {
  if (!isRemote(file)) return runDryRunOf(io, config, file, options);
  // A remote file is downloaded once, streaming, to a spool file that the dry run reads and removes.
  const location = parseLocation(file, 'file');
  const spool = join(config.reportDir, '.spool', `dry-run-${randomBytes(6).toString('hex')}.csv`);
  await mkdir(dirname(spool), { recursive: true });
  try {
    await downloadFile(formatLocation(location), spool, { shownAs: formatLocation(location), remote: config.remote, maxFileBytes: config.limits.maxFileBytes });
    return await runDryRunOf(io, config, file, options, { path: spool, name: nameOf(location) });
  } finally {
    await rm(spool, { force: true });
  }
}

/** The dry run of `file`, or of its download (`downloaded`: the spool file, and the name the report takes). */
async function runDryRunOf(io: CliIO, config: Config, file: string, options: DryRunOptions, downloaded?: { path: string; name: string }): Promise<number> {
  const { profile } = withIncremental(withMode(await resolveProfile(options.profile, io.cwd), options.mode), options.incremental);
  const source = downloaded ? (await checkHeader(downloaded.path, profile, config, file), downloaded.path) : await preflight(file, profile, config, io.cwd);
  const reportName = downloaded?.name ?? basename(source);
  if ((profile.mode ?? 'link') !== 'link') {
    return withCliRuntime(config, { persistent: false }, async (runtime) => {
      const client = new ZohoClient({ tokens: createSharedTokens(config, runtime.redis), apiDomain: config.zoho.apiDomain, apiVersion: config.zoho.apiVersion });
      try {
        return await dryRun(io, config, file, source, profile, options, { links: { reader: client, gate: commandCallGate(config, runtime.redis, runtime.queues), waits: { waitForCredit: false } }, reportName });
      } finally {
        await client.close();
      }
    });
  }
  if (!profile.incremental) return dryRun(io, config, file, source, profile, options, { reportName });
  // The only Redis a link's dry run reads: the incremental sync state, to count what would be sent.
  return withCliRuntime(config, { persistent: false }, (runtime) => dryRun(io, config, file, source, profile, options, {
    reportName,
    syncState: {
      state: new SyncStateStore(runtime.redis, config.prefix), targetId: syncTargetOf(config.zoho, profile).id,
      today: dayOf((options.now ?? Date.now)()), maxAgeDays: config.incrementalMaxAgeDays,
    },
  }));
}

async function dryRun(io: CliIO, config: Config, file: string, source: string, profile: Profile, options: DryRunOptions, extras: DryRunReads): Promise<number> {
  const reportPath = options.report ? resolve(io.cwd, options.report) : join(config.reportDir, `${(extras.reportName ?? basename(source)).replace(/\.csv$/i, '')}.dry-run.csv`);
  await checkReportPlace(reportPath, { input: source, watchDir: config.watchDir }, options.report ? '--report' : 'REPORT_DIR');
  await checkReportTarget(reportPath);
  const outcomes = new Map<number, RowOutcome>();
  const removals: PlannedRemoval[] = [];
  let calls = 0;
  let entries = 0;
  const sink = {
    recordOutcomes: async (_id: string, list: readonly RowOutcome[]) => (list.forEach((o) => outcomes.set(o.row, o)), list.length),
    recordMarked: async (_id: string, { marks, texts }: MarkedOutcomes) => {
      for (let row = 1; row < marks.length; row++) if (marks[row] !== 0 && !outcomes.has(row)) outcomes.set(row, { row, ...texts[marks[row]! - 1]! });
      return 0;
    },
    update: async () => undefined,
    planRemovals: async (_id: string, list: readonly PlannedRemoval[]) => removals.push(...list),
    increment: async () => undefined,
  };
  const wouldDelink = new Set<number>();
  // No Zoho here for a link: names in lookup columns pass through unchecked (the output says so).
  const plan = await ingestImport({
    ledger: sink, log: silentLogger(), limits: config.limits, lookups: 'unchecked', links: extras.links, syncState: extras.syncState,
    removals: { maxRatio: config.mirrorMaxRemoveRatio, allow: Boolean(options.allowRemovals) },
  }, {
    importId: 'dry-run', sourcePath: source, sourceName: file, profile,
    enqueue: async (jobs) => {
      for (const job of jobs) {
        calls += job.calls.length;
        for (const call of job.calls) {
          entries += call.entries.length + (call.removals?.length ?? 0);
          if (call.op === 'delink') for (const entry of call.entries) wouldDelink.add(entry.row);
        }
      }
    },
  });
  const mirror = profile.mode === 'mirror';
  const wouldRemove: RemovalOutcome[] = removals.map(({ base, related, relatedId }) => ({ base, related, relatedId, status: 'skipped', code: OutcomeCodes.DRY_RUN, message: 'would be removed (dry run)' }));
  const counts = await writeReport({
    input: source, csv: csvOptionsFor(profile, config.limits), reportPath,
    lookup: async (rows) => rows.map((row) => outcomes.get(row) ?? { row, status: 'skipped', code: OutcomeCodes.DRY_RUN, message: wouldDelink.has(row) ? 'linked: would be removed (dry run)' : 'valid: would be sent (dry run)' }),
    summaryExtra: { dryRun: true, calls, ...(plan.links ? { mode: profile.mode, links: plan.links } : {}) },
    ...(mirror && !plan.stoppedBy ? { removed: { columns: [profile.base.column, profile.related.column] as const, outcomes: wouldRemove } } : {}),
  });
  if (plan.links) return printPreview(io, config, file, options, profile, plan, { calls, reportPath, errors: counts.error });
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

/** The plan of an unlink or mirror: what Zoho holds now and what the run would do to it. */
function printPreview(io: CliIO, config: Config, file: string, options: DryRunOptions, profile: Profile, plan: IngestResult, run: { calls: number; reportPath: string; errors: number }): number {
  const links = plan.links!;
  const mirror = profile.mode === 'mirror';
  io.stdout.write([
    `dry run of ${file} (${options.profile}, mode ${profile.mode}): ${plan.rows} rows; Zoho read, nothing written`,
    `  invalid (errors):      ${plan.invalid}`,
    `  duplicates (skipped):  ${plan.superseded}`,
    `  base records:          ${links.bases} (${links.unknownBases} unknown to Zoho: their rows are errors)`,
    `  current links:         ${links.currentLinks} (read in ${links.reads} GET calls)`,
    ...(mirror
      ? [
          `  links to add:          ${links.add}`,
          `  links to update:       ${links.update}`,
          `  unchanged (skipped):   ${links.unchanged}`,
          `  links to remove:       ${links.remove}${plan.stoppedBy ? ' (the removal guard stops the run first)' : ''}`,
        ]
      : [
          `  links to remove:       ${links.unlink}`,
          `  not linked (skipped):  ${links.notLinked}`,
        ]),
    `  API calls:             ${plan.stoppedBy ? 0 : run.calls} PUT/DELETE (at most 100 each), after the ${links.reads} reads`,
    `report: ${run.reportPath}`,
  ].join('\n') + '\n');
  if (plan.stoppedBy) {
    io.stderr.write(`relsync: ${plan.stoppedBy}\n`);
    return ExitCode.couldNotRun;
  }
  return run.errors > 0 ? ExitCode.rowsInError : ExitCode.ok;
}

/** `  incremental:           12 new, 3 changed, 40 expired (sent); 9,945 unchanged (skipped)` */
function incrementalLine(counts: IncrementalCounts, maxAgeDays: number): string {
  return `  incremental:           ${counts.new} new, ${counts.changed} changed, ${counts.expired} expired (not confirmed for ${maxAgeDays} days): sent; ${counts.unchanged} unchanged (skipped)`;
}
