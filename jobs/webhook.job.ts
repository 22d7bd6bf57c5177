/**
 * The `webhooks` queue: events about imports, each delivered to each receiver of RELSYNC_WEBHOOK_URL
 * by its own job, retried with backoff, so a receiver that is down loses no event within its attempts
 * and never holds up an import (the import only adds the job). Two jobs travel on it:
 * - `webhook`: deliver one event to one receiver;
 * - `pause-check`: look, a while after an import's pause reason changed, whether there is a pause (or
 *   its end) to announce. A pause shorter than that wait is never announced.
 *
 * A job names its receiver by `receiverId` (a hash of the URL), never by the URL: incoming-webhook URLs
 * carry their token, and job data is readable by whoever reads Redis (a dashboard, a backup).
 */

export const IMPORT_EVENT_NAMES = ['import.finished', 'import.failed', 'import.paused', 'import.resumed'] as const;
export type ImportEventName = (typeof IMPORT_EVENT_NAMES)[number];

/**
 * The JSON body a receiver gets (docs/contract.md#alerts). `import.finished`: the import is done, with
 * or without rows in error; `import.failed`: it could not run. `reason`: why it failed, why it paused,
 * or why it stopped sending early (an import stopped by the error-rate brake or `relsync cancel` is
 * done, and its reason is given).
 */
export interface ImportEvent {
  event: ImportEventName;
  importId: string;
  /** The import's state when the event was made: `done`, `failed`, or a running state for pauses. */
  state: string;
  /** What the user called the input (its file name, or "inline CSV"). */
  file: string;
  profile: string;
  /** Who started it: `cli`, `watch`, `schedule`, `queue`, `retry`. */
  origin: string;
  /** Data rows; null until the file has been read. */
  rows: number | null;
  success: number;
  error: number;
  skipped: number;
  /** From the start of ingest (or the import's creation) to its end, or to now for pauses. */
  durationMs: number | null;
  reportPath: string | null;
  reason?: string;
  /** `link`, `unlink` or `mirror` (docs/contract.md#modes). */
  mode: string;
  /**
   * A mirror's removals (links the file does not name): planned, and their outcomes so far. Present
   * once a mirror has planned them (0 planned included); absent for `link` and `unlink`, and for a mirror
   * that failed before planning (the removal guard, a read refused).
   */
  removals?: RemovalCounts;
}

export interface RemovalCounts {
  planned: number;
  success: number;
  error: number;
  skipped: number;
}

export interface WebhookDeliveryPayload {
  /** First 16 hex digits of the SHA-256 of the receiver's URL: the worker finds the URL in its configuration. */
  receiverId: string;
  body: ImportEvent;
}

export interface PauseCheckPayload {
  importId: string;
}

/** Delivery attempts per event and receiver: with WEBHOOK_BACKOFF, about two hours of a receiver being down. */
export const WEBHOOK_ATTEMPTS = 20;

/** The name of the backoff strategy the webhooks worker registers: 1 s doubling up to 10 minutes. */
export const WEBHOOK_BACKOFF = 'webhook';

/** The wait before delivery attempt `attemptsMade + 1`: 1 s, 2 s, 4 s … capped at 10 min (no jitter: receivers are few). */
export function webhookBackoffMs(attemptsMade: number): number {
  return Math.min(600_000, 1_000 * 2 ** Math.max(0, attemptsMade - 1));
}

export const WEBHOOK_JOB_OPTIONS = {
  attempts: WEBHOOK_ATTEMPTS,
  backoff: { type: WEBHOOK_BACKOFF },
  removeOnComplete: true,
  // An event no attempt could deliver stays, for a look with the dashboard: the newest thousand.
  removeOnFail: { count: 1_000 },
} as const;

export const PAUSE_CHECK_JOB_OPTIONS = { attempts: 3, backoff: { type: 'fixed', delay: 1_000 }, removeOnComplete: true, removeOnFail: true } as const;

/**
 * `<import id>.<event key>.<receiver id>`: an import's end has one key (`end`), each pause alert its
 * sequence number (`pause-3`), so adding the same delivery twice is a no-op while it is queued.
 */
export function webhookJobId(importId: string, eventKey: string, receiverId: string): string {
  return `${importId}.${eventKey}.${receiverId}`;
}

/**
 * One pause check per import and time slot of `afterMs`: changes of the pause reason within one slot
 * share a check, so an import is looked at (and alerted about) at most about once per `afterMs`.
 */
export function pauseCheckJobId(importId: string, nowMs: number, afterMs: number): string {
  return `${importId}.pause-check.${Math.floor(nowMs / afterMs) + 1}`;
}
