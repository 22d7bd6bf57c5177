/**
 * What happens when an import ends, pauses or resumes, whoever wrote the change (the import job's last
 * step, a failed step, the watched folder refusing a file, the sync job recording a pause): the run
 * ledger tells its observer (run-ledger.ts `LedgerObserver`), and this decides.
 *
 * - An import that ends: its duration is counted, Redis is told to drop its records after
 *   RELSYNC_RETENTION_DAYS, and one `import.finished` / `import.failed` is queued per receiver. The
 *   ledger's `claimEndAlert` makes it one however often the last step runs.
 * - A pause reason that changes: a `pause-check` is queued for RELSYNC_PAUSE_ALERT_AFTER_MS later; it
 *   announces `import.paused` if the import is then waiting for a reason not yet announced, or
 *   `import.resumed` if an announced pause is over (`checkPause`). Short waits (a 429 storm's) are
 *   never announced, and an import is alerted about at most about once per that period.
 *
 * Nothing here may fail an import: every error is logged and dropped (the events go through Redis like
 * the import's own writes, so losing one needs Redis to fail between two of its commands).
 */
import type { Logger } from 'pino';
import type { ImportEvent, ImportEventName } from '../../jobs/webhook.job.js';
import type { ImportChange, ImportRecord, RunLedger } from '../ledger/run-ledger.js';
import type { ImportOutcome } from '../ops/metrics.js';

export interface EventDelivery {
  receiverId: string;
  /** `end`, or `pause-<n>`: with the import id and the receiver, the delivery's job id. */
  eventKey: string;
  body: ImportEvent;
}

export interface ImportEventDeps {
  ledger: Pick<RunLedger, 'getImport' | 'claimEndAlert' | 'settlePauseAlert' | 'expireImport'>;
  /** Ids of RELSYNC_WEBHOOK_URL's receivers; none: no events are queued. */
  receiverIds: readonly string[];
  /** Queue the deliveries (one job per event and receiver). */
  deliver(deliveries: EventDelivery[]): Promise<void>;
  /** Queue a pause check of the import, RELSYNC_PAUSE_ALERT_AFTER_MS from now. */
  schedulePauseCheck(importId: string): Promise<void>;
  /** Told of every import that ends (metrics). */
  ended?(outcome: ImportOutcome, durationMs: number): void;
  /** RELSYNC_RETENTION_DAYS in ms. */
  retentionMs: number;
  log: Logger;
  now?: () => number;
}

const isEnded = (state: string | undefined): boolean => state === 'done' || state === 'failed';

/** The ledger observer's `importChanged`: never throws. */
export async function onImportChanged(deps: ImportEventDeps, change: ImportChange): Promise<void> {
  try {
    if (isEnded(change.after.state) && !isEnded(change.before.state)) return await importEnded(deps, change.id);
    if (isEnded(change.after.state) || change.after.state === 'reporting') return;
    if (change.before.pausedReason !== change.after.pausedReason && deps.receiverIds.length > 0) await deps.schedulePauseCheck(change.id);
  } catch (error) {
    deps.log.error({ err: error, importId: change.id }, 'could not act on the end or pause of an import (alert, metrics, retention)');
  }
}

async function importEnded(deps: ImportEventDeps, importId: string): Promise<void> {
  const record = await deps.ledger.getImport(importId);
  if (!record) return;
  const finishedAt = record.finishedAt ?? (deps.now ?? Date.now)();
  deps.ended?.(importOutcome(record), finishedAt - (record.startedAt ?? record.createdAt));
  await deps.ledger.expireImport(importId, finishedAt + deps.retentionMs);
  if (deps.receiverIds.length === 0 || !(await deps.ledger.claimEndAlert(importId))) return;
  const body = endEvent(record, finishedAt);
  await deps.deliver(deps.receiverIds.map((receiverId) => ({ receiverId, eventKey: 'end', body })));
}

/** The `pause-check` job: announce the pause (or its end) as it is now, if not announced yet. */
export async function checkPause(deps: ImportEventDeps, importId: string): Promise<void> {
  const alert = await deps.ledger.settlePauseAlert(importId);
  if (!alert) return;
  const record = await deps.ledger.getImport(importId);
  if (!record) return;
  const now = (deps.now ?? Date.now)();
  const body = alert.event === 'paused'
    ? eventOf(record, 'import.paused', now, alert.reason)
    : eventOf(record, 'import.resumed', now);
  await deps.deliver(deps.receiverIds.map((receiverId) => ({ receiverId, eventKey: `pause-${alert.seq}`, body })));
}

/** How an import ended, for metrics: a stop (brake, cancel) or errors say more than `done`. */
export function importOutcome(record: ImportRecord): ImportOutcome {
  if (record.state === 'failed' || record.stopCode === 'IMPORT_FAILED') return 'failed';
  if (record.stopCode === 'ABORTED') return 'aborted';
  if (record.stopCode === 'CANCELLED') return 'cancelled';
  return record.error > 0 ? 'done_with_errors' : 'done';
}

/**
 * `import.finished` (done, with or without errors) or `import.failed`. The reason: why it failed; or
 * why it stopped sending early (`ABORTED: …` from the error-rate brake, `CANCELLED: …`); or why its
 * report could not be written.
 */
export function endEvent(record: ImportRecord, finishedAt: number): ImportEvent {
  const stop = record.stopCode ? `${record.stopCode}: ${record.stopReason ?? ''}`.trim() : undefined;
  if (record.state === 'failed') return eventOf(record, 'import.failed', finishedAt, record.failedReason ?? stop);
  const reason = stop ?? (record.reportError ? `the report could not be written: ${record.reportError}` : undefined);
  return eventOf(record, 'import.finished', finishedAt, reason);
}

export function eventOf(record: ImportRecord, event: ImportEventName, atMs: number, reason?: string): ImportEvent {
  const startedAt = record.startedAt ?? record.createdAt;
  return {
    event,
    importId: record.id,
    state: record.state,
    file: record.sourceName,
    profile: record.profileName,
    origin: record.origin,
    rows: record.rows ?? null,
    success: record.success,
    error: record.error,
    skipped: record.skipped,
    durationMs: startedAt ? Math.max(0, atMs - startedAt) : null,
    reportPath: record.state === 'done' && !record.reportError ? (record.reportPath ?? null) : null,
    ...(reason ? { reason } : {}),
    mode: record.mode ?? 'link',
    ...(record.plannedRemovals === undefined ? {} : {
      removals: { planned: record.plannedRemovals, success: record.removalsSuccess ?? 0, error: record.removalsError ?? 0, skipped: record.removalsSkipped ?? 0 },
    }),
  };
}
