/**
 * Ingest: stream the CSV once, validate each row, group valid rows per base record into calls of at
 * most 100 entries, record outcomes for rows that will never be sent, pack the calls into `sync-calls`
 * jobs and hand them to `enqueue`. Runs again from the start after a crash: outcomes are recorded at
 * most once and job ids are deterministic, so a second run adds nothing new.
 */
import type { Logger } from 'pino';
import { callsPerJob, singleCallTail, type SyncCall, type SyncCallsPayload } from '../../jobs/sync-calls.job.js';
import { openCsv } from '../csv/csv-reader.js';
import { RowOffsetsWriter } from '../csv/row-offsets.js';
import type { RowOutcome } from '../domain/row-outcome.js';
import { ErrorCodes, UserError } from '../errors.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { mapColumns } from '../plan/column-map.js';
import { Grouper, pairNameOf } from '../plan/grouper.js';
import { ProfileFieldReader } from '../plan/field-values.js';
import type { LookupTable } from '../plan/lookup-table.js';
import { checkRow } from '../plan/row-check.js';
import type { LookupName } from '../profile/lookups.js';
import type { Profile } from '../profile/profile.js';
import { csvOptionsFor } from './import-record.js';
import { planIncremental, type IncrementalCounts, type IncrementalDeps, type IncrementalSettings } from './incremental-plan.js';
import type { LookupLoader } from './lookup-tables.js';
import { planLinks, removalGuard, type LinkCounts, type LinkPlanDeps } from './plan-links.js';

export interface IngestDeps {
  /** Where outcomes go: the run ledger, or an in-memory sink for `--dry-run`. */
  ledger: Pick<RunLedger, 'recordOutcomes' | 'recordMarked' | 'update' | 'planRemovals' | 'increment'>;
  log: Logger;
  limits: { maxRows: number; maxFieldBytes: number };
  /**
   * The profile's lookup tables, read when a cell first names a value by name (once per import, for
   * all its workers); 'unchecked' where there is no Zoho (a dry run): names then pass as written.
   */
  lookups: LookupLoader | 'unchecked';
  /** How `unlink` and `mirror` read the current links (plan-links.ts); required for those modes. */
  links?: LinkPlanDeps;
  /** The removal guard: RELSYNC_MIRROR_MAX_REMOVE_RATIO, and whether this import may go over it. */
  removals?: { maxRatio: number; allow: boolean };
  /**
   * The incremental sync state of the profile's target, read when the profile is `incremental`
   * (incremental-plan.ts): pairs unchanged since Zoho confirmed them end UNCHANGED and are not sent.
   */
  syncState?: Omit<IncrementalDeps, 'recordMarked'> & Omit<IncrementalSettings, 'rows'>;
}

export interface IngestInput {
  importId: string;
  sourcePath: string;
  /** The name shown in messages (the user's file name). */
  sourceName: string;
  /** How the CSV reader's messages name the file (the user's path, not the snapshot's). Default: sourcePath. */
  shownAs?: string;
  profile: Profile;
  /** Adds the jobs (idempotently); called with groups of about `enqueueCalls` calls, and the import's planned calls. */
  enqueue: (jobs: SyncCallsPayload[], plannedCalls: number) => Promise<void>;
  /** Calls per `enqueue` (default 500): bounds the payloads held in memory at once, whatever the packing. */
  enqueueCalls?: number;
  /**
   * Where to write each row's byte range (csv/row-offsets.ts), for the report to copy rows instead of
   * parsing them: beside the import's own copy of the input. Written only for UTF-8 input (whose bytes
   * are the parser's); none by default (a dry run).
   */
  rowOffsets?: string;
}

export interface IngestResult {
  rows: number; invalid: number; superseded: number; plannedCalls: number; baseRecords: number;
  /** `unlink` and `mirror`: what the plan found and will do. */
  links?: LinkCounts;
  /** `mirror`: why the removal guard stopped it (nothing was sent, nothing enqueued). */
  stoppedBy?: string;
  /** An incremental import's pairs: new, changed, unchanged (not sent), expired (sent again). */
  incremental?: IncrementalCounts;
}

const OUTCOME_FLUSH = 1_000;

export async function ingestImport(deps: IngestDeps, input: IngestInput): Promise<IngestResult> {
  const { ledger } = deps;
  const csv = await openCsv(input.sourcePath, { ...csvOptionsFor(input.profile, deps.limits), shownAs: input.shownAs });
  const columns = mapColumns(input.profile, csv.header, input.sourceName);
  const grouper = new Grouper({ pairName: pairNameOf(input.profile) });
  const tables = new Map<LookupName, LookupTable>();
  const fields = new ProfileFieldReader(input.profile, deps.lookups === 'unchecked' ? 'unchecked' : tables);
  const pending: RowOutcome[] = [];
  const offsets = input.rowOffsets !== undefined && csv.encoding === 'UTF-8' ? await RowOffsetsWriter.create(input.rowOffsets) : undefined;
  const width = csv.header.length;
  let rows = 0;
  let invalid = 0;
  try {
    await readRows();
    await offsets?.finish({ path: input.sourcePath, delimiter: csv.delimiter });
  } catch (error) {
    await offsets?.abort();
    throw error;
  }
  await ledger.recordOutcomes(input.importId, pending.splice(0));
  const plan = grouper.finish();
  for (let i = 0; i < plan.superseded.length; i += OUTCOME_FLUSH) {
    await ledger.recordOutcomes(input.importId, plan.superseded.slice(i, i + OUTCOME_FLUSH));
  }
  const mode = input.profile.mode ?? 'link';
  // unlink and mirror read Zoho's links themselves: the incremental state does not decide for them.
  if (mode !== 'link') return planAndEnqueue(deps, input, { mode, rows, invalid, plan });
  const incremental = input.profile.incremental && deps.syncState
    ? await planIncremental({ ...deps.syncState, recordMarked: (marked) => ledger.recordMarked(input.importId, marked) }, { ...deps.syncState, rows }, plan.calls)
    : undefined;
  const plannedCalls = await enqueueCalls(input, incremental?.calls ?? plan.calls, incremental?.callCount ?? plan.callCount);
  await ledger.update(input.importId, { rows, plannedCalls });
  const result = { rows, invalid, superseded: plan.superseded.length, plannedCalls, baseRecords: plan.baseRecords, ...(incremental ? { incremental: incremental.counts } : {}) };
  deps.log.info(result, 'ingest finished');
  return result;

  async function readRows(): Promise<void> {
    // By read (csv.batches: the records of one read of the file), not by record: a promise per row costs more than checking it.
    for await (const records of csv.batches) {
      if (deps.lookups !== 'unchecked') await loadTables(deps.lookups, input.importId, fields.tablesNeeded(records, columns, new Set(tables.keys())), tables, deps.log);
      for (const record of records) {
        rows = record.row;
        if (rows > deps.limits.maxRows) {
          throw new UserError(ErrorCodes.FILE_INVALID, `${input.sourceName}: expected at most ${deps.limits.maxRows} data rows (RELSYNC_MAX_ROWS), got more`);
        }
        offsets?.add(record.start, record.end, record.cells.length === width && record.error === undefined);
        const check = checkRow(record, columns, fields);
        if (check.ok) {
          grouper.add(record.row, check.base, check.related, check.fields);
          continue;
        }
        invalid += 1;
        pending.push(check.outcome);
        if (pending.length >= OUTCOME_FLUSH) await ledger.recordOutcomes(input.importId, pending.splice(0));
      }
      await offsets?.flush();
    }
  }
}

/**
 * `unlink` and `mirror`: read each base record's links, settle what needs no call, check the removal
 * guard before anything is sent, remember the removals, then enqueue every call at once (one addBulk).
 */
async function planAndEnqueue(
  deps: IngestDeps,
  input: IngestInput,
  read: { mode: 'unlink' | 'mirror'; rows: number; invalid: number; plan: ReturnType<Grouper['finish']> },
): Promise<IngestResult> {
  const { ledger } = deps;
  if (!deps.links) throw new Error(`ingest: mode ${read.mode} needs a link reader`);
  const { plan } = read;
  const links = await planLinks(deps.links, input.profile, read.mode, plan.calls);
  // The reads are calls to Zoho too (status, the summary's `calls`).
  await ledger.increment(input.importId, 'calls', links.counts.reads);
  const result: IngestResult = { rows: read.rows, invalid: read.invalid, superseded: plan.superseded.length, plannedCalls: links.calls.length, baseRecords: plan.baseRecords, links: links.counts };
  const stoppedBy = read.mode === 'mirror' ? removalGuard(links.counts, deps.removals?.maxRatio ?? 0.2, deps.removals?.allow ?? false) : undefined;
  if (stoppedBy) {
    deps.log.warn({ ...links.counts }, stoppedBy);
    return { ...result, plannedCalls: 0, stoppedBy };
  }
  for (let i = 0; i < links.outcomes.length; i += OUTCOME_FLUSH) await ledger.recordOutcomes(input.importId, links.outcomes.slice(i, i + OUTCOME_FLUSH));
  const plannedRemovals = await ledger.planRemovals(input.importId, links.removals.map((removal, n) => ({ ...removal, n })));
  await ledger.update(input.importId, { plannedRemovals });
  const plannedCalls = await enqueueCalls({ ...input, enqueueCalls: Number.POSITIVE_INFINITY }, links.calls, links.calls.length);
  await ledger.update(input.importId, { rows: read.rows, plannedCalls });
  deps.log.info({ rows: read.rows, invalid: read.invalid, superseded: plan.superseded.length, plannedCalls, ...links.counts }, 'ingest finished: links planned');
  return result;

}

async function loadTables(load: LookupLoader, importId: string, names: LookupName[], tables: Map<LookupName, LookupTable>, log: Logger): Promise<void> {
  for (const name of names) {
    const table = await load(importId, name);
    tables.set(name, table);
    log.info({ lookup: name, values: table.entries.length }, 'lookup table read');
  }
}

/**
 * Packs the calls into jobs of `callsPerJob(total)` calls, in order, the last `singleCallTail(total)`
 * one to a job; returns the number of calls. Only the total decides the packing, so a re-run after a
 * crash makes the same jobs.
 */
async function enqueueCalls(input: IngestInput, calls: Iterable<SyncCall>, totalCalls: number): Promise<number> {
  const size = input.enqueueCalls ?? 500;
  const perJob = callsPerJob(totalCalls);
  const singlesFrom = totalCalls - singleCallTail(totalCalls);
  let group: SyncCallsPayload[] = [];
  let job: SyncCallsPayload | undefined;
  let count = 0;
  let seq = 0;
  for (const call of calls) {
    if (!job || job.calls.length >= perJob || count >= singlesFrom) {
      if (group.length * perJob >= size) {
        await input.enqueue(group, totalCalls);
        group = [];
      }
      job = { importId: input.importId, seq: seq++, calls: [] };
      group.push(job);
    }
    // The grouper's entries are fresh objects: sent as they are, or without an empty `fields`.
    job.calls.push(call.op === 'delink' ? { base: call.base, op: call.op, entries: call.entries, ...(call.removals ? { removals: call.removals } : {}) } : { base: call.base, entries: call.entries.map((e) => (e.fields !== undefined && hasFields(e.fields) ? e : { row: e.row, related: e.related })) });
    count += 1;
  }
  if (group.length > 0) await input.enqueue(group, totalCalls);
  return count;
}

/** Without building the array Object.keys would: this runs once per sent row. */
function hasFields(fields: Record<string, unknown>): boolean {
  for (const _name in fields) return true;
  return false;
}
