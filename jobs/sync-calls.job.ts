/**
 * The `sync-calls` job: up to 16 Zoho calls of one import, made one after another. The words, as in
 * docs/architecture.md#glossary: a **row** of the CSV becomes an **entry**; a **call** is one PUT of at
 * most 100 entries that share a base record; a **job** carries up to 16 calls of one import.
 *
 * A job's id is derived from what it is (import id and job number), so enqueueing it twice is a
 * no-op, and the run ledger records each row's outcome at most once, so a retried job cannot give a
 * row a second one (calls already done are skipped).
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { JobName } from './queues.js';

/** Zoho takes at most 100 records in `data` per related-list update (docs/zoho.md#request-body). */
export const MAX_ENTRIES_PER_CALL = 100;

/** One related record in a call's `data`, from one input row. */
export interface CallEntry {
  /** 1-based input data row this entry comes from. */
  row: number;
  /** The related record: an external value, or a Zoho id when the profile has no related external field. */
  related: string;
  /**
   * Relation fields (Zoho API name → value); empty cells are left out. A value is text, or a JSON
   * number for a field the profile types as a price (`list_price`). Never modify: shared between entries.
   */
  fields?: Record<string, string | number>;
  /** On a delink call: the related record's Zoho id, read with GET, which the DELETE names in `ids`. */
  relatedId?: string;
}

/**
 * A link a mirror removes because the file does not name it: no input row stands behind it, so its
 * outcome is kept apart from the rows' (the run ledger's removals), one per (base, related id).
 */
export interface RemovalEntry {
  /** The related record as the file would name it (its external value, or its id); '' when it has none. */
  related: string;
  /** The related record's Zoho id: what the DELETE names in `ids`. */
  relatedId: string;
}

/** One Zoho call: at most MAX_ENTRIES_PER_CALL related records of one base record. */
export interface SyncCall {
  /** The base record: an external value, or a Zoho id when the profile has no base external field. */
  base: string;
  entries: CallEntry[];
  /**
   * `delink`: a `DELETE …/{base}/{relatedList}?ids=` of the entries' and removals' related ids (at
   * most 100 in all), for `unlink` rows and a mirror's removals. Absent: the PUT of the entries.
   */
  op?: 'delink';
  /** A mirror's removals (delink calls only). */
  removals?: RemovalEntry[];
}

export interface SyncCallsPayload {
  importId: string;
  /** Job number within the import, 0-based, deterministic for a given file and profile. */
  seq: number;
  /** The calls, made in order; a job is active (holds one concurrency slot) for all of them. */
  calls: SyncCall[];
}

/**
 * What a sync-calls job holds in Redis: its calls as they are (`calls`), packed (`packed`), or packed
 * and deflated (`deflated`, as the import processor enqueues them when that is shorter). Packed, a row
 * costs about 25 bytes of the job's data instead of about 80: relation fields are written once per
 * job, not once per entry, and the job's entries are columns (rows as base-36 differences, related
 * ids, field-set indexes) rather than objects. Deflated, about 15: the columns are digits and ids that
 * share their shape, which DEFLATE codes in a few bits each. `syncCallsOf` reads all three.
 */
export interface SyncCallsJobData {
  importId: string;
  seq: number;
  calls?: SyncCall[];
  packed?: PackedCalls;
  /** `packed` as JSON, compressed with raw DEFLATE (RFC 1951), in base64: text that JSON keeps as it is. */
  deflated?: string;
  /**
   * What a deflated job holds, for people reading the job in the dashboard (Bull Board shows the data
   * as it is): "16 calls, 80 rows (rows 3 to 199873)". Nothing reads it back.
   */
  summary?: string;
}

export interface PackedCalls {
  /** The distinct relation-field sets of the job's entries ({} for none). */
  fields: Array<Record<string, string | number>>;
  /** Per call: its base record, and how many entries it has. */
  bases: string[];
  sizes: number[];
  /**
   * Every entry of every call, in order: its row (the first as it is, each next as the difference
   * from the one before, in base 36, comma-separated), its related record, and the index in `fields`
   * of its set (one number for all, or base-36 indexes comma-separated).
   */
  rows: string;
  related: string[];
  sets: number | string;
}

/**
 * The job's data as enqueued: its calls packed, and deflated when that is shorter (a job of one small
 * call is not) — or as they are when a call is a delink (unlink, mirror): the packed columns hold PUT
 * entries only, not `op`, removals or related Zoho ids.
 */
export function packSyncCalls(payload: SyncCallsPayload): SyncCallsJobData {
  if (payload.calls.some((call) => call.op !== undefined || call.removals !== undefined || call.entries.some((entry) => entry.relatedId !== undefined))) {
    return { importId: payload.importId, seq: payload.seq, calls: payload.calls };
  }
  const fields: PackedCalls['fields'] = [];
  const fieldIndex = new Map<Record<string, string | number>, number>();
  const byText = new Map<string, number>();
  const indexOf = (set: Record<string, string | number> | undefined): number => {
    const value = set ?? NO_FIELDS;
    let index = fieldIndex.get(value);
    if (index !== undefined) return index;
    // Sets are shared objects (FieldSetTable), so identity finds nearly all; text finds the rest.
    const text = JSON.stringify(value);
    index = byText.get(text);
    if (index === undefined) {
      index = fields.push(value) - 1;
      byText.set(text, index);
    }
    fieldIndex.set(value, index);
    return index;
  };
  const bases: string[] = [];
  const sizes: number[] = [];
  const rows: string[] = [];
  const related: string[] = [];
  const sets: number[] = [];
  let previous = 0;
  let first = Infinity;
  let last = 0;
  for (const call of payload.calls) {
    bases.push(call.base);
    sizes.push(call.entries.length);
    for (const entry of call.entries) {
      rows.push((entry.row - previous).toString(36));
      previous = entry.row;
      if (entry.row < first) first = entry.row;
      if (entry.row > last) last = entry.row;
      related.push(entry.related);
      sets.push(indexOf(entry.fields));
    }
  }
  const oneSet = sets.every((set) => set === sets[0]);
  const packed: PackedCalls = { fields, bases, sizes, rows: rows.join(','), related, sets: oneSet ? (sets[0] ?? 0) : sets.map((set) => set.toString(36)).join(',') };
  return deflatedIfShorter(payload, packed, { first, last });
}

/**
 * The job's data with its packed calls deflated, and a summary for people reading it — or packed as
 * they are when DEFLATE would not make them shorter. Below about 100 bytes its own framing and
 * base64's third outweigh what it saves. Level 1: ~30 µs of CPU a 16-call job against ~43 at the
 * default 6, for 5 % more bytes (docs/performance.md#deflated-sync-jobs-the-levers-measured).
 */
function deflatedIfShorter(payload: SyncCallsPayload, packed: PackedCalls, rows: { first: number; last: number }): SyncCallsJobData {
  const text = JSON.stringify(packed);
  const deflated = text.length < MIN_DEFLATE_CHARS ? undefined : deflateRawSync(text, { level: constants.Z_BEST_SPEED }).toString('base64');
  if (deflated === undefined || deflated.length >= text.length) return { importId: payload.importId, seq: payload.seq, packed };
  const calls = packed.bases.length;
  const entries = packed.related.length;
  const range = entries === 0 ? '' : ` (rows ${rows.first} to ${rows.last})`;
  const summary = `${calls} call${calls === 1 ? '' : 's'}, ${entries} row${entries === 1 ? '' : 's'}${range}`;
  return { importId: payload.importId, seq: payload.seq, summary, deflated };
}

const MIN_DEFLATE_CHARS = 100;

/** The packed calls of the job's data, inflated if need be; undefined for calls kept as they are. */
function packedOf(data: SyncCallsJobData): PackedCalls | undefined {
  if (data.deflated === undefined) return data.packed;
  return JSON.parse(inflateRawSync(Buffer.from(data.deflated, 'base64')).toString('utf8')) as PackedCalls;
}

/** The job's calls, packed or not. */
export function syncCallsOf(data: SyncCallsJobData): SyncCall[] {
  if (data.calls !== undefined) return data.calls;
  const packed = packedOf(data);
  if (packed === undefined) return [];
  const { fields, bases, sizes, related } = packed;
  const rows = packed.rows === '' ? [] : packed.rows.split(',');
  const sets = typeof packed.sets === 'number' ? undefined : packed.sets.split(',');
  let at = 0;
  let row = 0;
  return bases.map((base, c) => {
    const entries: CallEntry[] = [];
    for (let i = 0; i < sizes[c]!; i++, at++) {
      row += parseInt(rows[at]!, 36);
      const set = fields[sets === undefined ? (packed.sets as number) : parseInt(sets[at]!, 36)];
      entries.push(set !== undefined && hasFields(set) ? { row, related: related[at]!, fields: set } : { row, related: related[at]! });
    }
    return { base, entries };
  });
}

/** Calls in the job's data, packed or not. */
export function syncCallCount(data: SyncCallsJobData): number {
  return data.calls?.length ?? packedOf(data)?.bases.length ?? 0;
}

const NO_FIELDS: Record<string, string | number> = {};

function hasFields(fields: Record<string, unknown>): boolean {
  for (const _name in fields) return true;
  return false;
}

/**
 * Calls per job. A BullMQ job costs about 0.1 ms of worker CPU and 1.6 KB of Redis while queued
 * (docs/performance.md), so a large import packs up to 16 calls into one job; it keeps at least 256
 * jobs so that every concurrency slot (25 at most) has work until the end. It depends only on the
 * number of calls, so a re-run of ingest after a crash makes the same jobs.
 */
export function callsPerJob(totalCalls: number): number {
  return Math.min(16, Math.max(1, Math.floor(totalCalls / 256)));
}

/**
 * How many of an import's last calls go one to a job. Jobs are taken in order; when the last
 * multi-call job starts, the other slots still have single calls to make until it ends, instead of
 * standing idle for up to a whole job (16 calls). Enough for 25 slots (Zoho's highest edition cap).
 */
export function singleCallTail(totalCalls: number): number {
  const perJob = callsPerJob(totalCalls);
  return perJob === 1 ? 0 : Math.min(totalCalls, perJob * 25);
}

/** `<import id>-b<seq>`: the `b` stays from the first naming, so jobs already queued keep their ids. */
export function syncCallsJobId(importId: string, seq: number): string {
  return `${importId}-b${seq}`;
}

/**
 * Fairness between imports that share the org's cap: a sync job's BullMQ priority grows with the
 * log of its import's size (1 for a one-call import, 23 for four million calls; lower runs first). A
 * small import started during a huge one has its calls taken first, so it finishes in about its own
 * time, while the huge one (minutes or hours) barely notices. Imports of the same size class share
 * the queue first come, first served.
 */
export function syncCallsPriority(plannedCalls: number): number {
  return 1 + Math.ceil(Math.log2(Math.max(1, plannedCalls)));
}

/** The name of the backoff strategy the sync worker registers (exponential, jittered, capped). */
export const ZOHO_BACKOFF = 'zoho';

/** `maxAttempts` is per call; tries are counted per call in the job's data, so the job may fail as often as all its calls together. */
export function syncCallsJobOptions(maxAttempts: number, calls = 1) {
  return {
    attempts: maxAttempts * calls,
    backoff: { type: ZOHO_BACKOFF },
    // Outcomes live in the run ledger; a finished job has nothing more to say.
    removeOnComplete: true,
    removeOnFail: { age: 7 * 86_400 },
    // A job that fails for good must not block its import: the import then reports its rows.
    ignoreDependencyOnFailure: true,
  } as const;
}

/**
 * One sync-calls job as the import processor adds it (an `addBulk` entry): its calls packed, its
 * options, its import's priority, its deterministic id, and the import job as its parent.
 */
export function syncCallsBulkJob(payload: SyncCallsPayload, options: { maxAttempts: number; priority: number; parent: { id: string; queue: string } }) {
  return {
    name: JobName.syncCalls,
    data: packSyncCalls(payload),
    opts: { ...syncCallsJobOptions(options.maxAttempts, payload.calls.length), priority: options.priority, jobId: syncCallsJobId(payload.importId, payload.seq), parent: options.parent },
  };
}
