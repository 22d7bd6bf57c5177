/**
 * An incremental import's plan (docs/architecture.md#incremental-sync): of the calls the grouper
 * planned, each pair Zoho already holds with the same entry fields, confirmed fewer than
 * RELSYNC_INCREMENTAL_MAX_AGE_DAYS ago, ends `skipped` / UNCHANGED here and is never sent; the other
 * pairs of each base record are packed again into as few calls as they need. A base record with
 * nothing new or changed costs no call.
 */
import { MAX_ENTRIES_PER_CALL } from '../../jobs/sync-calls.job.js';
import { OutcomeCodes, type RowOutcome } from '../domain/row-outcome.js';
import type { SyncStateStore } from '../ledger/sync-state.js';
import type { FieldValue } from '../plan/field-values.js';
import type { PlannedCall, PlannedEntry } from '../plan/grouper.js';
import { confirmedDay, fieldsDigest, judgePair, type PairVerdict } from '../plan/pair-state.js';

export interface IncrementalDeps {
  state: Pick<SyncStateStore, 'lookup'>;
  /**
   * The outcomes the import already has, on a re-run of ingest after a crash: a pair its own calls
   * made is in the state by now, yet must stay in its call so the jobs are numbered as before.
   */
  knownOutcomes?: (rows: number[]) => Promise<Array<RowOutcome | undefined>>;
  /** Where UNCHANGED outcomes go (the ledger, or a dry run's sink). */
  record: (outcomes: RowOutcome[]) => Promise<unknown>;
}

export interface IncrementalSettings {
  targetId: string;
  /** The import's day (pair-state.ts dayOf): the same on every re-run of its ingest. */
  today: number;
  maxAgeDays: number;
  /** The highest row number in the file. */
  rows: number;
}

export type IncrementalCounts = Record<PairVerdict, number>;

export interface IncrementalPlan {
  calls: Iterable<PlannedCall>;
  callCount: number;
  counts: IncrementalCounts;
}

/** Pairs looked up in Redis at once. */
const LOOKUP_BATCH = 8_000;
/** Entries to send kept from the first pass (about 100 bytes each). */
const KEEP_ENTRIES = 100_000;
const DAY_MS = 86_400_000;

export async function planIncremental(deps: IncrementalDeps, settings: IncrementalSettings, calls: Iterable<PlannedCall>): Promise<IncrementalPlan> {
  const skip = new Uint8Array(settings.rows + 1);
  const counts: IncrementalCounts = { new: 0, changed: 0, unchanged: 0, expired: 0 };
  const digests = new WeakMap<object, string>();
  const digestOf = (fields: Readonly<Record<string, FieldValue>>): string => {
    let digest = digests.get(fields);
    if (digest === undefined) digests.set(fields, (digest = fieldsDigest(fields)));
    return digest;
  };
  let callCount = 0;
  let runBase: string | undefined;
  let runSent = 0;
  const endRun = () => {
    callCount += Math.ceil(runSent / MAX_ENTRIES_PER_CALL);
    runSent = 0;
  };
  let batch: Pair[] = [];
  // The entries to send, kept while they are few (an incremental night); past KEEP_ENTRIES (a first
  // night, or after `state clear`) they are found again by a second pass over the planned calls.
  let kept: Pair[] | undefined = [];
  const judgeBatch = async () => {
    const stored = await deps.state.lookup(settings.targetId, batch);
    const verdicts = batch.map(({ entry }, i) => judgePair(stored[i], digestOf(entry.fields), settings.today, settings.maxAgeDays));
    const resent = deps.knownOutcomes ? await sentByThisImport(deps, batch.filter((_, i) => verdicts[i] === 'unchanged').map(({ entry }) => entry.row)) : NONE;
    const outcomes: RowOutcome[] = [];
    batch.forEach((pair, i) => {
      const { base, entry } = pair;
      if (base !== runBase) {
        endRun();
        runBase = base;
      }
      const verdict = verdicts[i]!;
      counts[verdict] += 1;
      if (verdict !== 'unchanged' || resent.has(entry.row)) {
        runSent += 1;
        if (kept !== undefined && kept.length < KEEP_ENTRIES) kept.push(pair);
        else kept = undefined;
        return;
      }
      skip[entry.row] = 1;
      outcomes.push({ row: entry.row, status: 'skipped', code: OutcomeCodes.UNCHANGED, message: unchangedMessage(confirmedDay(stored[i]!)) });
    });
    // Recorded while the next batch is looked up; one write at a time, so at most two batches are held.
    await recording;
    recording = outcomes.length > 0 ? deps.record(outcomes) : undefined;
    batch = [];
  };
  let recording: Promise<unknown> | undefined;
  const messages = new Map<number, string>();
  const unchangedMessage = (day: number): string => {
    let message = messages.get(day);
    if (message === undefined) messages.set(day, (message = `unchanged since ${new Date(day * DAY_MS).toISOString().slice(0, 10)}`));
    return message;
  };
  for (const call of calls) {
    for (const entry of call.entries) batch.push({ base: call.base, related: entry.related, entry });
    if (batch.length >= LOOKUP_BATCH) await judgeBatch();
  }
  if (batch.length > 0) await judgeBatch();
  await recording;
  endRun();
  const toSend = kept;
  return { calls: { [Symbol.iterator]: () => repack(toSend ?? unskipped(calls, skip)) }, callCount, counts };
}

interface Pair { base: string; related: string; entry: PlannedEntry }

const NONE: ReadonlySet<number> = new Set();

/** Rows among `rows` that already have an outcome other than UNCHANGED (a re-run of ingest). */
async function sentByThisImport(deps: IncrementalDeps, rows: number[]): Promise<Set<number>> {
  if (!deps.knownOutcomes || rows.length === 0) return new Set();
  const known = await deps.knownOutcomes(rows);
  return new Set(rows.filter((_, i) => known[i] !== undefined && known[i]!.code !== OutcomeCodes.UNCHANGED));
}

/** The planned entries of rows not skipped, in plan order. */
function* unskipped(calls: Iterable<PlannedCall>, skip: Uint8Array): Generator<Pick<Pair, 'base' | 'entry'>> {
  for (const call of calls) for (const entry of call.entries) if (skip[entry.row] !== 1) yield { base: call.base, entry };
}

/** Entries to send (each base record's together, in plan order) packed again into calls of at most 100. */
function* repack(entries: Iterable<Pick<Pair, 'base' | 'entry'>>): Generator<PlannedCall> {
  let seq = 0;
  let base: string | undefined;
  let call: PlannedEntry[] = [];
  for (const { base: next, entry } of entries) {
    if (next !== base || call.length === MAX_ENTRIES_PER_CALL) {
      if (call.length > 0) yield { base: base!, seq: seq++, entries: call };
      base = next;
      call = [];
    }
    call.push(entry);
  }
  if (call.length > 0) yield { base: base!, seq: seq++, entries: call };
}
