/**
 * The `sync-batch` job: one Zoho call, for at most 100 rows that share a base record. Its id is
 * derived from what it is (import id and batch number), so enqueueing it twice is a no-op, and the
 * run ledger records each row's outcome at most once, so a retried job cannot give a row a second one.
 */
export interface SyncEntry {
  /** 1-based input data row this entry comes from. */
  row: number;
  /** The related record: an external value, or a Zoho id when the profile has no related external field. */
  related: string;
  /** Relation fields (Zoho API name → value); empty cells are left out. */
  fields?: Record<string, string>;
}

export interface SyncBatchPayload {
  importId: string;
  /** Batch number within the import, 0-based, deterministic for a given file and profile. */
  seq: number;
  /** The base record: an external value, or a Zoho id when the profile has no base external field. */
  base: string;
  entries: SyncEntry[];
}

export function syncBatchJobId(importId: string, seq: number): string {
  return `${importId}-b${seq}`;
}

/** The name of the backoff strategy the sync worker registers (exponential, jittered, capped). */
export const ZOHO_BACKOFF = 'zoho';

export function syncBatchJobOptions(maxAttempts: number) {
  return {
    attempts: maxAttempts,
    backoff: { type: ZOHO_BACKOFF },
    // Outcomes live in the run ledger; a finished batch job has nothing more to say.
    removeOnComplete: true,
    removeOnFail: { age: 7 * 86_400 },
    // A batch that fails for good must not block its import: the import then reports its rows.
    ignoreDependencyOnFailure: true,
  } as const;
}
