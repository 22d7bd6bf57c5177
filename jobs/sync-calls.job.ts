/**
 * The `sync-calls` job: up to 16 Zoho calls of one import, made one after another. The words, as in
 * docs/architecture.md#glossary: a **row** of the CSV becomes an **entry**; a **call** is one PUT of at
 * most 100 entries that share a base record; a **job** carries up to 16 calls of one import.
 *
 * A job's id is derived from what it is (import id and job number), so enqueueing it twice is a
 * no-op, and the run ledger records each row's outcome at most once, so a retried job cannot give a
 * row a second one (calls already done are skipped).
 */

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
 * Calls per job. A BullMQ job costs about 0.1 ms of worker CPU and 1.6 KB of Redis while queued
 * (docs/performance.md), so a large import packs up to 16 calls into one job; it keeps at least 256
 * jobs so that every concurrency slot (25 at most) has work until the end. It depends only on the
 * number of calls, so a re-run of ingest after a crash makes the same jobs.
 */
export function callsPerJob(totalCalls: number): number {
  return Math.min(16, Math.max(1, Math.floor(totalCalls / 256)));
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
