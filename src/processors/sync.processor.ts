/**
 * The `sync-batch` job at the worker edge: runs the use case and turns its answer into BullMQ terms.
 * - done: complete (the ledger has every row's outcome);
 * - retry: throw, so BullMQ retries with the Zoho backoff (this spends an attempt);
 * - 429: rate-limit the WHOLE queue (every worker backs off, not just this job) and hand the job back
 *   without spending an attempt — until 429s have lasted `rateLimitMaxWaitMs`, then they count;
 * - paused (no token can be had): same hand-back, with the import's status saying why.
 */
import { RateLimitError, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { SyncBatchPayload } from '../../jobs/sync-batch.job.js';
import type { Config } from '../config/config.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { parseProfile, type Profile } from '../profile/profile.js';
import { syncBatch, type CreditGate, type RelatedRecordsClient, type SyncStep } from '../usecases/sync-batch.js';
import { backoffDelayMs } from '../zoho/backoff.js';
import { ConcurrencyGovernor } from './concurrency-governor.js';

export type SyncJobData = SyncBatchPayload & { rateLimitedSinceMs?: number };

export interface SyncProcessorDeps {
  config: Config;
  ledger: RunLedger;
  client: RelatedRecordsClient;
  budget?: CreditGate;
  syncQueue: Queue<SyncBatchPayload>;
  log: Logger;
  now?: () => number;
}

/** A retryable failure; carries Zoho's Retry-After (if any) to the backoff strategy. */
export class RetryableSyncError extends Error {
  readonly code: string;
  readonly retryAfterMs: number | undefined;
  constructor(code: string, message: string, retryAfterMs?: number) {
    super(`${code}: ${message}`);
    this.name = 'RetryableSyncError';
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/** BullMQ `settings.backoffStrategy`: exponential with jitter, capped; Retry-After wins when longer. */
export function zohoBackoffStrategy(attemptsMade: number, _type?: string, error?: Error): number {
  const delay = backoffDelayMs(attemptsMade, { baseMs: 1_000, maxMs: 60_000 });
  const retryAfter = error instanceof RetryableSyncError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(delay, retryAfter);
}

export function createSyncProcessor(deps: SyncProcessorDeps) {
  const profiles = new Map<string, Profile>();
  const now = deps.now ?? Date.now;
  const governor = new ConcurrencyGovernor({ store: deps.syncQueue, max: deps.config.zoho.concurrency, now });
  let consecutiveWaits = 0;

  const profileFor = async (importId: string): Promise<Profile> => {
    const cached = profiles.get(importId);
    if (cached) return cached;
    const record = await deps.ledger.getImport(importId);
    if (!record) throw new Error(`import ${importId} has no ledger record`);
    const profile = parseProfile(JSON.parse(record.profileJson), `import ${importId} profile`);
    if (profiles.size > 100) profiles.clear();
    profiles.set(importId, profile);
    return profile;
  };

  return async (job: Job<SyncJobData>, _token?: string, signal?: AbortSignal): Promise<{ sent: number; recorded: number }> => {
    const { importId } = job.data;
    const attempt = job.attemptsMade + 1;
    const log = deps.log.child({ importId, jobId: job.id, attempt });
    const step: SyncStep = await syncBatch({ ledger: deps.ledger, client: deps.client, budget: deps.budget, now }, job.data, {
      profile: await profileFor(importId), attempt, maxAttempts: job.opts.attempts ?? 1, signal,
    });
    if (step.kind === 'done') {
      if (step.sent > 0) await governor.onSuccess();
      if (consecutiveWaits > 0) await deps.ledger.update(importId, { pausedReason: undefined, pausedUntil: undefined });
      consecutiveWaits = 0;
      return { sent: step.sent, recorded: step.recorded };
    }
    if (step.kind === 'retry') {
      await deps.ledger.increment(importId, 'retries');
      log.warn({ code: step.code, reason: step.message }, 'Zoho call failed; will retry with backoff');
      throw new RetryableSyncError(step.code, step.message, step.retryAfterMs);
    }
    if (step.kind === 'rate-limited' && step.reason !== 'credits') {
      // A 429 storm is bounded in time; waiting for credits or for the accounts server is not (the
      // import shows as paused with the reason, and resumes by itself).
      const since = job.data.rateLimitedSinceMs ?? now();
      if (job.data.rateLimitedSinceMs === undefined) await job.updateData({ ...job.data, rateLimitedSinceMs: since });
      if (now() - since > deps.config.zoho.rateLimitMaxWaitMs) {
        await deps.ledger.increment(importId, 'retries');
        throw new RetryableSyncError('TOO_MANY_REQUESTS', `${step.message} (429s lasted longer than RELSYNC_RATE_LIMIT_MAX_WAIT_MS)`);
      }
    }
    if (step.kind === 'rate-limited' && step.reason !== 'credits') {
      const limit = await governor.onConcurrencyLimited();
      if (limit !== undefined) log.warn({ globalConcurrency: limit }, 'Zoho concurrency limit reached: fewer calls in flight for now');
    }
    consecutiveWaits += 1;
    const waitMs = waitFor(step, consecutiveWaits, deps.config.zoho.pauseProbeMs);
    await recordWait(deps, importId, step, waitMs, now());
    log.warn({ kind: step.kind, reason: step.message, waitMs }, 'backing off the whole sync queue');
    await deps.syncQueue.rateLimit(waitMs);
    throw new RateLimitError();
  };
}

/** How long the whole sync queue waits before the next call. */
function waitFor(step: Extract<SyncStep, { kind: 'rate-limited' | 'paused' }>, consecutive: number, probeMs: number): number {
  // Paused (no token, our budget spent): until the budget frees, at most one probe interval.
  if (step.kind === 'paused') return Math.max(100, Math.min(step.retryAfterMs ?? probeMs, probeMs));
  if (step.retryAfterMs) return step.retryAfterMs;
  // Zoho's credits free up over a rolling 24 h: probe once per interval, not every second.
  if (step.reason === 'credits') return probeMs;
  // A concurrency 429 clears as soon as calls finish (and the governor has lowered our share): a
  // short wait that grows only while 429s keep coming.
  return backoffDelayMs(Math.min(consecutive, 8), { baseMs: 250, maxMs: 30_000 });
}

async function recordWait(deps: SyncProcessorDeps, importId: string, step: Extract<SyncStep, { kind: 'rate-limited' | 'paused' }>, waitMs: number, now: number): Promise<void> {
  if (step.kind === 'rate-limited') await deps.ledger.increment(importId, 'rateLimited');
  const reason = step.kind === 'paused'
    ? (step.code === 'CREDIT_BUDGET' ? step.message : `cannot get a Zoho access token: ${step.message}`)
    : step.reason === 'credits'
      ? `Zoho API credits exhausted (429): waiting for the rolling 24-hour window to free credits`
      : `Zoho answered 429 TOO_MANY_REQUESTS (${step.reason}): backing off`;
  await deps.ledger.update(importId, { pausedReason: reason, pausedUntil: now + waitMs });
}
