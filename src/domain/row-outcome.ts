/**
 * The outcome of one input data row: exactly one per row, written to the report in input order.
 * `code` is Zoho's (`SUCCESS`, `INVALID_DATA`, …) or ours for rows never sent or that could not be.
 */
export type RowStatus = 'success' | 'error' | 'skipped';

export interface RowOutcome {
  /** 1-based index of the data row in the input (the header is not counted). */
  row: number;
  status: RowStatus;
  code: string;
  /** A human sentence: Zoho's message and details, or ours. Never holds a secret. */
  message: string;
  /** The related record's Zoho id, on success. */
  zohoId?: string;
}

/** Our own outcome codes, for rows that were never sent or could not be. */
export const OutcomeCodes = {
  MISSING_VALUE: 'MISSING_VALUE',
  MALFORMED_ROW: 'MALFORMED_ROW',
  DUPLICATE_PAIR: 'DUPLICATE_PAIR',
  RETRIES_EXHAUSTED: 'RETRIES_EXHAUSTED',
  /** The batch job failed in BullMQ terms (e.g. stalled too often) before recording outcomes. */
  SYNC_FAILED: 'SYNC_FAILED',
  /** Zoho answered without a result for this entry (fewer results than entries). */
  NO_RESULT: 'NO_RESULT',
  /** Not sent: the import stopped sending early (an error every call would get, or the error-rate brake). */
  ABORTED: 'ABORTED',
  /** Not sent: `relsync cancel`. */
  CANCELLED: 'CANCELLED',
  /** Not sent: the import failed for good (its reason is in the message). */
  IMPORT_FAILED: 'IMPORT_FAILED',
  /** Not sent: a cell of a lookup column (a role or status by name) matches no known value. */
  LOOKUP_FAILED: 'LOOKUP_FAILED',
  /** Not sent: a cell is not a value of its field's type (a list price that is not a number). */
  INVALID_VALUE: 'INVALID_VALUE',
  /** `--dry-run`: the row is valid and would be sent. */
  DRY_RUN: 'DRY_RUN',
  /**
   * Not sent: the pair is already linked with the same entry-field values — read from Zoho (mirror), or
   * confirmed by Zoho within RELSYNC_INCREMENTAL_MAX_AGE_DAYS (`--incremental`).
   */
  UNCHANGED: 'UNCHANGED',
  /** Not sent (unlink): the pair is not linked, so there is nothing to remove. */
  NOT_LINKED: 'NOT_LINKED',
} as const;

/**
 * The outcome of one link a mirror removes (or tries to): no input row stands behind it, so it is kept
 * apart from the rows' outcomes, one per (base, related id), and reported in `<stem>.removed.csv`.
 */
export interface RemovalOutcome {
  base: string;
  /** The related record as the file would name it (external value or id); '' when it has none. */
  related: string;
  /** The related record's Zoho id. */
  relatedId: string;
  status: RowStatus;
  code: string;
  message: string;
}
