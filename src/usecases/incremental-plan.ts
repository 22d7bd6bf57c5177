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
  let batch: Array<{ base: string; entry: PlannedEntry }> = [];
  const judgeBatch = async () => {
    const stored = await deps.state.lookup(settings.targetId, batch.map(({ base, entry }) => ({ base, related: entry.related })));
    const verdicts = batch.map(({ entry }, i) => judgePair(stored[i], digestOf(entry.fields), settings.today, settings.maxAgeDays));
    const resent = await sentByThisImport(deps, batch.filter((_, i) => verdicts[i] === 'unchanged').map(({ entry }) => entry.row));
    const outcomes: RowOutcome[] = [];
    batch.forEach(({ base, entry }, i) => {
      if (base !== runBase) {
        endRun();
        runBase = base;
      }
      const verdict = verdicts[i]!;
      counts[verdict] += 1;
      if (verdict !== 'unchanged' || resent.has(entry.row)) {
        runSent += 1;
        return;
      }
      skip[entry.row] = 1;
      const day = new Date(confirmedDay(stored[i]!) * DAY_MS).toISOString().slice(0, 10);
      outcomes.push({ row: entry.row, status: 'skipped', code: OutcomeCodes.UNCHANGED, message: `unchanged since Zoho confirmed it on ${day} (incremental)` });
    });
    if (outcomes.length > 0) await deps.record(outcomes);
    batch = [];
  };
  for (const call of calls) {
    for (const entry of call.entries) batch.push({ base: call.base, entry });
    if (batch.length >= LOOKUP_BATCH) await judgeBatch();
  }
  if (batch.length > 0) await judgeBatch();
  endRun();
  return { calls: { [Symbol.iterator]: () => repack(calls, skip) }, callCount, counts };
}

/** Rows among `rows` that already have an outcome other than UNCHANGED (a re-run of ingest). */
async function sentByThisImport(deps: IncrementalDeps, rows: number[]): Promise<Set<number>> {
  if (!deps.knownOutcomes || rows.length === 0) return new Set();
  const known = await deps.knownOutcomes(rows);
  return new Set(rows.filter((_, i) => known[i] !== undefined && known[i]!.code !== OutcomeCodes.UNCHANGED));
}

/** The planned calls without the skipped rows, each base record's entries packed again into calls of at most 100. */
function* repack(calls: Iterable<PlannedCall>, skip: Uint8Array): Generator<PlannedCall> {
  let seq = 0;
  let base: string | undefined;
  let entries: PlannedEntry[] = [];
  for (const call of calls) {
    if (call.base !== base) {
      if (entries.length > 0) yield { base: base!, seq: seq++, entries };
      base = call.base;
      entries = [];
    }
    for (const entry of call.entries) {
      if (skip[entry.row] === 1) continue;
      entries.push(entry);
      if (entries.length === MAX_ENTRIES_PER_CALL) {
        yield { base, seq: seq++, entries };
        entries = [];
      }
    }
  }
  if (entries.length > 0) yield { base: base!, seq: seq++, entries };
}
