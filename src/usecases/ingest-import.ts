/**
 * Ingest: stream the CSV once, validate each row, group valid rows per base record into batches of at
 * most 100, record outcomes for rows that will never be sent, and hand the batches to `enqueue`.
 * Runs again from the start after a crash: outcomes are recorded at most once and batch job ids are
 * deterministic, so a second run adds nothing new.
 */
import type { Logger } from 'pino';
import { callsPerJob, type SyncBatchPayload } from '../../jobs/sync-batch.job.js';
import { openCsv, type CsvReadOptions } from '../csv/csv-reader.js';
import type { RowOutcome } from '../domain/row-outcome.js';
import { ErrorCodes, UserError } from '../errors.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { mapColumns } from '../plan/column-map.js';
import { Grouper, pairNameOf } from '../plan/grouper.js';
import { checkRow } from '../plan/row-check.js';
import type { Profile } from '../profile/profile.js';

export interface IngestDeps {
  /** Where outcomes go: the run ledger, or an in-memory sink for `--dry-run`. */
  ledger: Pick<RunLedger, 'recordOutcomes' | 'update'>;
  log: Logger;
  limits: { maxRows: number; maxFieldBytes: number };
}

export interface IngestInput {
  importId: string;
  sourcePath: string;
  /** The name shown in messages (the user's file name). */
  sourceName: string;
  profile: Profile;
  /** Adds the batches' jobs (idempotently); called with groups of about `enqueueCalls` calls. */
  enqueue: (batches: SyncBatchPayload[]) => Promise<void>;
  /** Calls per `enqueue` (default 500): bounds the payloads held in memory at once, whatever the packing. */
  enqueueCalls?: number;
}

export interface IngestResult { rows: number; invalid: number; superseded: number; batches: number; baseRecords: number }

const OUTCOME_FLUSH = 1_000;

/**
 * How an import's CSV is read. Ingest, the report, retry and dry runs must all read it the same way,
 * or their row numbers would disagree.
 */
export function csvOptionsFor(profile: Profile, limits: { maxFieldBytes: number }): CsvReadOptions {
  return { delimiter: profile.csv?.delimiter, encoding: profile.csv?.encoding, maxFieldBytes: limits.maxFieldBytes };
}

export async function ingestImport(deps: IngestDeps, input: IngestInput): Promise<IngestResult> {
  const { ledger } = deps;
  const csv = await openCsv(input.sourcePath, csvOptionsFor(input.profile, deps.limits));
  const columns = mapColumns(input.profile, csv.header, input.sourceName);
  const grouper = new Grouper({ pairName: pairNameOf(input.profile) });
  const pending: RowOutcome[] = [];
  let rows = 0;
  let invalid = 0;
  // By batch (one per read of the file), not by record: a promise per row costs more than checking it.
  for await (const records of csv.batches) {
    for (const record of records) {
      rows = record.row;
      if (rows > deps.limits.maxRows) {
        throw new UserError(ErrorCodes.FILE_INVALID, `${input.sourceName}: expected at most ${deps.limits.maxRows} data rows (RELSYNC_MAX_ROWS), got more`);
      }
      const check = checkRow(record, columns);
      if (check.ok) {
        grouper.add(record.row, check.base, check.related, check.fields);
        continue;
      }
      invalid += 1;
      pending.push(check.outcome);
      if (pending.length >= OUTCOME_FLUSH) await ledger.recordOutcomes(input.importId, pending.splice(0));
    }
  }
  await ledger.recordOutcomes(input.importId, pending.splice(0));
  const plan = grouper.finish();
  for (let i = 0; i < plan.superseded.length; i += OUTCOME_FLUSH) {
    await ledger.recordOutcomes(input.importId, plan.superseded.slice(i, i + OUTCOME_FLUSH));
  }
  const batches = await enqueueChunks(input, plan.chunks, plan.chunkCount);
  await ledger.update(input.importId, { rows, batches });
  deps.log.info({ rows, invalid, superseded: plan.superseded.length, batches, baseRecords: plan.baseRecords }, 'ingest finished');
  return { rows, invalid, superseded: plan.superseded.length, batches, baseRecords: plan.baseRecords };
}

type PlannedChunk = { base: string; entries: Array<{ row: number; related: string; fields: Record<string, string> }> };

/** Packs the calls into jobs of `callsPerJob(total)` calls, in order; returns the number of calls. */
async function enqueueChunks(input: IngestInput, chunks: Iterable<PlannedChunk>, totalCalls: number): Promise<number> {
  const size = input.enqueueCalls ?? 500;
  const perJob = callsPerJob(totalCalls);
  let group: SyncBatchPayload[] = [];
  let job: SyncBatchPayload | undefined;
  let count = 0;
  for (const chunk of chunks) {
    if (!job || job.calls.length >= perJob) {
      if (group.length * perJob >= size) {
        await input.enqueue(group);
        group = [];
      }
      job = { importId: input.importId, seq: Math.floor(count / perJob), calls: [] };
      group.push(job);
    }
    // The grouper's entries are fresh objects: sent as they are, or without an empty `fields`.
    job.calls.push({ base: chunk.base, entries: chunk.entries.map((e) => (hasFields(e.fields) ? e : { row: e.row, related: e.related })) });
    count += 1;
  }
  if (group.length > 0) await input.enqueue(group);
  return count;
}

/** Without building the array Object.keys would: this runs once per sent row. */
function hasFields(fields: Record<string, string>): boolean {
  for (const _name in fields) return true;
  return false;
}
