/**
 * The `sync-calls` job at the worker edge: runs the use case and turns its answer into BullMQ terms.
 * - done: complete (the ledger has every row's outcome);
 * - retry: throw, so BullMQ retries with the Zoho backoff (this spends an attempt);
 * - 429: rate-limit the WHOLE queue (every worker backs off, not just this job) and hand the job back
 *   without spending an attempt — until 429s have lasted `rateLimitMaxWaitMs`, then they count;
 * - paused (no token can be had): same hand-back, with the import's status saying why;
 * - Zoho unreachable (zoho-outage.ts): the same queue-wide pause, no attempt spent, until
 *   RELSYNC_OUTAGE_MAX_WAIT_S; a call that timed out first keeps its concurrency slot for
 *   RELSYNC_TIMEOUT_HOLD_MS, since Zoho may still be working on it.
 * After each answered call the import guard (usecases/import-guard.ts) may stop the import (ABORTED):
 * the calls after it, in this job and every other, are not sent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimitError, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { syncCallsOf, type SyncCallsJobData } from '../../jobs/sync-calls.job.js';
import type { Config } from '../config/config.js';
import { ErrorCodes, RelsyncError } from '../errors.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { dayOf, syncTargetOf } from '../plan/pair-state.js';
import type { Profile } from '../profile/profile.js';
import { requireStoredProfile } from '../usecases/import-record.js';
import { guardAfterCall, guardSettingsFor } from '../usecases/import-guard.js';
import { syncCall, type CreditGate, type ImportStop, type RelatedRecordsClient, type SyncStep } from '../usecases/sync-call.js';
import type { RowOutcome } from '../domain/row-outcome.js';
import { backoffDelayMs } from '../zoho/backoff.js';
import { ConcurrencyGovernor, type GlobalConcurrencyStore } from './concurrency-governor.js';
import { outageReason, type ZohoOutage } from './zoho-outage.js';

/**
 * The payload plus what the worker keeps across tries: failed tries per call (they spend attempts),
 * sends per call that got no answer during an outage (they do not, but the next send is a re-send),
 * and when 429s began.
 */
export type SyncJobData = SyncCallsJobData & { rateLimitedSinceMs?: number; tries?: number[]; unanswered?: number[]; outagesBegun?: number[] };

/**
 * A call that began this many outages (Zoho answered other calls in between, ending each) is failing
 * on its own, not with Zoho: from then on its failures spend attempts, so it ends.
 */
const OUTAGES_ONE_CALL_MAY_BEGIN = 3;

/** Failures after which Zoho may still be working on the call: it keeps its slot for a while. */
const TIMED_OUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TIMEOUT']);

export interface SyncProcessorDeps {
  config: Config;
  ledger: RunLedger;
  client: RelatedRecordsClient;
  budget?: CreditGate;
  syncQueue: Queue<SyncCallsJobData>;
  /**
   * Where the governor reads and writes the org-wide limit: the call slots (zoho/call-slots.ts), which
   * keep the queue's global concurrency at the limit less the calls made outside the queue. Default:
   * the queue's global concurrency itself (unit tests).
   */
  concurrency?: GlobalConcurrencyStore;
  /** Shared outage state; without it every failure spends an attempt (unit tests). */
  outage?: ZohoOutage;
  log: Logger;
  now?: () => number;
  /** The incremental sync state's clock (confirmation days); default Date.now. Tests move it. */
  stateNow?: () => number;
}

/**
 * A call that got no usable answer and will be tried again: carries Zoho's (or the network's) code, the
 * failing call's try number and Zoho's Retry-After to the backoff strategy.
 */
export class RetryableSyncError extends RelsyncError {
  /** Zoho's code, or the network error's (`UND_ERR_SOCKET`, `ECONNREFUSED`, …). */
  readonly zohoCode: string;
  readonly retryAfterMs: number | undefined;
  /** How many times the failing call has failed (a job's attempts count all its calls). */
  readonly tries: number | undefined;
  constructor(zohoCode: string, message: string, retryAfterMs?: number, tries?: number) {
    super(ErrorCodes.SYNC_CALL_FAILED, `${zohoCode}: ${message}`);
    this.name = 'RetryableSyncError';
    this.zohoCode = zohoCode;
    this.retryAfterMs = retryAfterMs;
    this.tries = tries;
  }
}

/** BullMQ `settings.backoffStrategy`: exponential with jitter, capped; Retry-After wins when longer. */
export function zohoBackoffStrategy(attemptsMade: number, _type?: string, error?: Error): number {
  const tries = error instanceof RetryableSyncError ? (error.tries ?? attemptsMade) : attemptsMade;
  const delay = backoffDelayMs(tries, { baseMs: 1_000, maxMs: 60_000 });
  const retryAfter = error instanceof RetryableSyncError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(delay, retryAfter);
}

export function createSyncProcessor(deps: SyncProcessorDeps) {
  const profiles = new Map<string, Profile>();
  const now = deps.now ?? Date.now;
  const governor = new ConcurrencyGovernor({ store: deps.concurrency ?? deps.syncQueue, max: deps.config.zoho.concurrency, now });
  let consecutiveWaits = 0;

  const profileFor = async (importId: string): Promise<Profile> => {
    const cached = profiles.get(importId);
    if (cached) return cached;
    const profile = await requireStoredProfile(deps.ledger, importId);
    if (profiles.size > 100) profiles.clear();
    profiles.set(importId, profile);
    return profile;
  };

  /** A call that got its answer: give the governor its success, and clear a pause. */
  const afterDone = async (importId: string, step: Extract<SyncStep, { kind: 'done' }>): Promise<void> => {
    if (step.sent > 0) {
      await governor.onSuccess();
      await deps.outage?.answered();
    }
    if (consecutiveWaits > 0) await deps.ledger.update(importId, { pausedReason: undefined, pausedUntil: undefined });
    consecutiveWaits = 0;
  };

  /** A call that did not get its answer: retry the job (this call's try counted) or hold the queue. */
  const setback = async (job: Job<SyncJobData>, call: number, step: Exclude<SyncStep, { kind: 'done' }>, log: Logger, signal?: AbortSignal): Promise<never> => {
    const { importId } = job.data;
    if (step.kind === 'retry' && TIMED_OUT_CODES.has(step.code)) {
      // Zoho may still be processing it: sending more now could exceed its concurrency cap.
      await sleep(deps.config.zoho.timeoutHoldMs, undefined, { signal }).catch(() => undefined);
    }
    if (step.kind === 'retry' && deps.outage?.isOutage(step)) {
      const outage = await deps.outage.begin(step.code, step.message);
      const outagesBegun = [...(job.data.outagesBegun ?? [])];
      if (outage.began) outagesBegun[call] = (outagesBegun[call] ?? 0) + 1;
      if (!deps.outage.hasLastedTooLong(outage) && (outagesBegun[call] ?? 0) <= OUTAGES_ONE_CALL_MAY_BEGIN) {
        const unanswered = [...(job.data.unanswered ?? [])];
        unanswered[call] = (unanswered[call] ?? 0) + 1;
        await job.updateData({ ...job.data, unanswered, outagesBegun });
        consecutiveWaits += 1;
        const probeMaxMs = deps.config.zoho.outageProbeMaxMs;
        const waitMs = backoffDelayMs(Math.min(consecutiveWaits, 6), { baseMs: Math.min(1_000, probeMaxMs), maxMs: probeMaxMs });
        await deps.ledger.update(importId, { pausedReason: outageReason(outage), pausedUntil: now() + waitMs });
        log.debug({ code: step.code, waitMs }, 'Zoho unreachable: the sync queue waits');
        await deps.syncQueue.rateLimit(waitMs);
        throw new RateLimitError();
      }
    }
    if (step.kind === 'retry') {
      const tries = [...(job.data.tries ?? [])];
      tries[call] = (tries[call] ?? 0) + 1;
      await job.updateData({ ...job.data, tries });
      await deps.ledger.increment(importId, 'retries');
      log.warn({ call, try: tries[call], code: step.code, reason: step.message }, 'Zoho call failed; will retry with backoff');
      throw new RetryableSyncError(step.code, step.message, step.retryAfterMs, tries[call]);
    }
    if (step.kind === 'rate-limited' && step.reason !== 'credits') {
      // A 429 storm is bounded in time; waiting for credits or for the accounts server is not (the
      // import shows as paused with the reason, and resumes by itself).
      const since = job.data.rateLimitedSinceMs ?? now();
      if (job.data.rateLimitedSinceMs === undefined) await job.updateData({ ...job.data, rateLimitedSinceMs: since });
      if (now() - since > deps.config.zoho.rateLimitMaxWaitMs) {
        return setback(job, call, { kind: 'retry', code: 'TOO_MANY_REQUESTS', message: `${step.message} (429s lasted longer than RELSYNC_RATE_LIMIT_MAX_WAIT_MS)`, httpStatus: 429 }, log, signal);
      }
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

  return async (job: Job<SyncJobData>, _token?: string, signal?: AbortSignal): Promise<{ sent: number; recorded: number }> => {
    const { importId } = job.data;
    const calls = syncCallsOf(job.data);
    const log = deps.log.child({ importId, jobId: job.id, attempt: job.attemptsMade + 1 });
    const profile = await profileFor(importId);
    const state = { targetId: syncTargetOf(deps.config.zoho, profile).id, day: dayOf((deps.stateNow ?? Date.now)()), ttlS: (deps.config.incrementalMaxAgeDays + 1) * 86_400 };
    const total = { sent: 0, recorded: 0 };
    // A job's calls run one after another, and each one's reads are made ahead: its rows' outcomes
    // while the call before it runs, the stop by that call's outcome script (or the guard's own stop).
    // Between two calls there is then one round trip, the outcome script. A call whose predecessor
    // ran no such script (nothing sent, a delink) reads both itself.
    let ahead: Promise<Array<RowOutcome | undefined>> | undefined;
    let inForce: { stop?: ImportStop } | undefined;
    // In order; calls whose rows already have outcomes (done before a retry or a crash) are skipped.
    for (let call = 0; call < calls.length; call += 1) {
      const readAhead = ahead && inForce ? { known: await ahead, stop: inForce.stop } : undefined;
      const next = calls[call + 1];
      ahead = next && next.op !== 'delink' ? deps.ledger.getOutcomes(importId, next.entries.map((e) => e.row)) : undefined;
      ahead?.catch(() => undefined); // awaited by the next call, if it uses it; a failure there is its own
      const attempt = (job.data.tries?.[call] ?? 0) + 1;
      // A delink whose job was started before without ending (a worker killed mid-call, a hand-back)
      // may have been applied: Zoho's "not linked" then means our own earlier send removed it.
      const startedBefore = calls[call]!.op === 'delink' && job.attemptsStarted > job.attemptsMade + 1;
      const resent = attempt > 1 || (job.data.unanswered?.[call] ?? 0) > 0 || startedBefore;
      const waitOutOutage = async (failure: { code: string; httpStatus?: number }): Promise<boolean> => {
        if (!deps.outage?.isUnreachable(failure) || (job.data.outagesBegun?.[call] ?? 0) >= OUTAGES_ONE_CALL_MAY_BEGIN) return false;
        const state = await deps.outage.current();
        return state === undefined || !deps.outage.hasLastedTooLong(state);
      };
      const step = await syncCall({ ledger: deps.ledger, client: deps.client, budget: deps.budget, now }, { importId, ...calls[call]! }, {
        profile, attempt, resent, maxAttempts: deps.config.zoho.maxAttempts, signal, waitOutOutage, state, readAhead,
      });
      if (step.kind !== 'done') return setback(job, call, step, log, signal);
      if (step.stopped) log.error({ code: step.stopped.code, reason: step.stopped.reason }, 'import stopped: its unsent rows get the reason, nothing more is sent');
      total.sent += step.sent;
      total.recorded += step.recorded;
      inForce = step.stopped ? { stop: step.stopped } : step.inForce;
      await afterDone(importId, step);
      if (step.answer) {
        const stop = await guardAfterCall({ ledger: deps.ledger }, importId, step.answer, guardSettingsFor(deps.config.abort, profile), step.tally);
        if (stop) {
          log.warn({ code: stop.code, reason: stop.reason }, 'import stopped: no further calls');
          inForce = { stop };
        }
      }
    }
    return total;
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
    ? (step.code === ErrorCodes.CREDIT_BUDGET ? step.message : `cannot get a Zoho access token: ${step.message}`)
    : step.reason === 'credits'
      ? `Zoho API credits exhausted (429): waiting for the rolling 24-hour window to free credits`
      : `Zoho answered 429 TOO_MANY_REQUESTS (${step.reason}): backing off`;
  await deps.ledger.update(importId, { pausedReason: reason, pausedUntil: now + waitMs });
}
