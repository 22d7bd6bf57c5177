/**
 * An incremental import's plan (docs/architecture.md#incremental-sync): of the calls the grouper
 * planned, each pair Zoho already holds with the same entry fields, confirmed fewer than
 * RELSYNC_INCREMENTAL_MAX_AGE_DAYS ago, ends `skipped` / UNCHANGED here and is never sent; the other
 * pairs of each base record are packed again into as few calls as they need. A base record with
 * nothing new or changed costs no call.
 */
import { MAX_ENTRIES_PER_CALL } from '../../jobs/sync-calls.job.js';
import { OutcomeCodes, type RowOutcome } from '../domain/row-outcome.js';
import type { MarkedOutcomes, OutcomeText } from '../ledger/run-ledger.js';
import type { SyncStateStore } from '../ledger/sync-state.js';
import type { FieldValue } from '../plan/field-values.js';
import type { PlannedCall, PlannedEntry } from '../plan/grouper.js';
import { fieldsDigest, judgeConfirmation, type PairVerdict } from '../plan/pair-state.js';

export interface IncrementalDeps {
  state: Pick<SyncStateStore, 'confirmations'>;
  /**
   * The outcomes the import already has, on a re-run of ingest after a crash: a pair its own calls
   * made is in the state by now, yet must stay in its call so the jobs are numbered as before.
   */
  knownOutcomes?: (rows: number[]) => Promise<Array<RowOutcome | undefined>>;
  /** Where the UNCHANGED outcomes go, once, as one mark per row (the ledger's `recordMarked`, or a dry run's sink). */
  recordMarked: (marked: MarkedOutcomes) => Promise<unknown>;
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

/** Pairs looked up in Redis by one script. */
const LOOKUP_BATCH = 8_000;
/** Entries to send kept from the first pass. */
const KEEP_ENTRIES = 100_000;
const DAY_MS = 86_400_000;

export async function planIncremental(deps: IncrementalDeps, settings: IncrementalSettings, calls: Iterable<PlannedCall>): Promise<IncrementalPlan> {
  // Each unchanged row's mark: its text's index + 1 (one text per confirmation day), 2 bytes a row.
  const marks = new Uint16Array(settings.rows + 1);
  const texts: OutcomeText[] = [];
  const textOfDay = new Map<number, number>();
  const markOf = (day: number): number => {
    let mark = textOfDay.get(day);
    if (mark === undefined) {
      mark = texts.push({ status: 'skipped', code: OutcomeCodes.UNCHANGED, message: `unchanged since ${new Date(day * DAY_MS).toISOString().slice(0, 10)}` });
      textOfDay.set(day, mark);
    }
    return mark;
  };
  const counts: IncrementalCounts = { new: 0, changed: 0, unchanged: 0, expired: 0 };
  const digests = new WeakMap<object, string>();
  const digestOf = ({ fields }: PlannedEntry): string => {
    let digest = digests.get(fields);
    if (digest === undefined) digests.set(fields, (digest = fieldsDigest(fields as Readonly<Record<string, FieldValue>>)));
    return digest;
  };
  let callCount = 0;
  let runBase: string | undefined;
  let runSent = 0;
  const endRun = () => {
    callCount += Math.ceil(runSent / MAX_ENTRIES_PER_CALL);
    runSent = 0;
  };
  // The entries to send, kept while they are few (an incremental night); past KEEP_ENTRIES (a first
  // night, or after `state clear`) they are found again by a second pass over the planned calls.
  let kept: Kept[] | undefined = [];
  const judge = async (batch: readonly PlannedCall[], confirmed: Int32Array): Promise<void> => {
    const resent = deps.knownOutcomes ? await sentByThisImport(deps, unchangedRows(batch, confirmed, settings)) : NONE;
    let i = 0;
    for (const call of batch) {
      if (call.base !== runBase) {
        endRun();
        runBase = call.base;
      }
      for (const entry of call.entries) {
        const day = confirmed[i++]!;
        const verdict = judgeConfirmation(day, settings.today, settings.maxAgeDays);
        counts[verdict] += 1;
        if (verdict === 'unchanged' && !resent.has(entry.row)) {
          marks[entry.row] = markOf(day);
          continue;
        }
        runSent += 1;
        if (kept !== undefined && kept.length < KEEP_ENTRIES) kept.push({ base: call.base, entry });
        else kept = undefined;
      }
    }
  };
  // One lookup at a time, and nothing gathered meanwhile: planned calls held across a round trip while
  // the next batch was made outlived the young generation, and grew the old one by 50-60 MB over a
  // million pairs (peak RSS past 200 MB), for little time gained.
  let batch: PlannedCall[] = [];
  let pairs = 0;
  const lookUp = async (): Promise<void> => {
    const confirmed = new Int32Array(pairs);
    await deps.state.confirmations(settings.targetId, batch, digestOf, confirmed);
    await judge(batch, confirmed);
    batch = [];
    pairs = 0;
  };
  for (const call of calls) {
    batch.push(call);
    pairs += call.entries.length;
    if (pairs >= LOOKUP_BATCH) await lookUp();
  }
  if (pairs > 0) await lookUp();
  endRun();
  if (texts.length > 0) await deps.recordMarked({ texts, marks });
  const toSend = kept;
  return { calls: { [Symbol.iterator]: () => repack(toSend ?? unskipped(calls, marks)) }, callCount, counts };
}

interface Kept { base: string; entry: PlannedEntry }

const NONE: ReadonlySet<number> = new Set();

/** Rows among `rows` that already have an outcome other than UNCHANGED (a re-run of ingest). */
async function sentByThisImport(deps: IncrementalDeps, rows: number[]): Promise<Set<number>> {
  if (!deps.knownOutcomes || rows.length === 0) return new Set();
  const known = await deps.knownOutcomes(rows);
  return new Set(rows.filter((_, i) => known[i] !== undefined && known[i]!.code !== OutcomeCodes.UNCHANGED));
}

/** The rows of a batch judged unchanged (the candidates a re-run of ingest may have sent already). */
function unchangedRows(batch: readonly PlannedCall[], confirmed: Int32Array, settings: IncrementalSettings): number[] {
  const rows: number[] = [];
  let i = 0;
  for (const call of batch) for (const entry of call.entries) if (judgeConfirmation(confirmed[i++]!, settings.today, settings.maxAgeDays) === 'unchanged') rows.push(entry.row);
  return rows;
}

/** The planned entries of rows not skipped (not marked UNCHANGED), in plan order. */
function* unskipped(calls: Iterable<PlannedCall>, marks: Uint16Array): Generator<Kept> {
  for (const call of calls) for (const entry of call.entries) if (marks[entry.row] === 0) yield { base: call.base, entry };
}

/** Entries to send (each base record's together, in plan order) packed again into calls of at most 100. */
function* repack(entries: Iterable<Kept>): Generator<PlannedCall> {
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
