/**
 * Sync one call: at most 100 entries of one base record, and an outcome for the row behind every entry.
 *
 * What to do next is decided here and returned as a `SyncStep`; the worker edge turns it into BullMQ
 * terms (complete, retry with backoff, rate-limit the whole queue, pause). Rows that already have an
 * outcome (a re-run after a crash, a duplicate job) are not sent again.
 */
import type { SyncCall, CallEntry, RemovalEntry } from '../../jobs/sync-calls.job.js';
import { OutcomeCodes, type RemovalOutcome, type RowOutcome } from '../domain/row-outcome.js';
import { ErrorCodes } from '../errors.js';
import type { GuardTally, RunLedger, StopCode } from '../ledger/run-ledger.js';
import type { PairStateChange } from '../ledger/sync-state.js';
import { fieldsDigest } from '../plan/pair-state.js';
import { baseExternalHeader, xExternalHeader, type Profile } from '../profile/profile.js';
import type { CallVerdict, EntryResult } from '../zoho/call-verdict.js';
import { creditBudgetSpent } from '../zoho/credit-budget.js';
import type { RelatedDelinkRequest, RelatedUpdateRequest } from '../zoho/zoho-client.js';
import { callTallyOf, type CallAnswer } from './import-guard.js';

export interface RelatedRecordsClient {
  updateRelated(request: RelatedUpdateRequest, options?: { signal?: AbortSignal }): Promise<CallVerdict>;
  delinkRelated(request: RelatedDelinkRequest, options?: { signal?: AbortSignal }): Promise<CallVerdict>;
}

export interface CreditGate {
  tryTake(credits?: number): Promise<{ ok: true } | { ok: false; retryAtMs: number; used: number }>;
  readonly limit: number;
}

export interface SyncDeps {
  ledger: Pick<RunLedger, 'getOutcomes' | 'increment' | 'recordOutcomes' | 'recordCallOutcomes' | 'stopOf' | 'stopImport' | 'hasRemovals' | 'recordRemovals'>;
  client: RelatedRecordsClient;
  /** Our own ZOHO_DAILY_CREDITS budget, when set: a call is made only with a credit in hand. */
  budget?: CreditGate;
  now?: () => number;
}

export interface SyncContext {
  profile: Profile;
  /** 1-based number of this call's try, and how many are allowed per call. */
  attempt: number;
  /** An earlier send of this call may have been applied (its answer never came). Default: attempt > 1. */
  resent?: boolean;
  /**
   * Whether a failure on the last attempt is Zoho being unreachable, to be waited out rather than end
   * the rows RETRIES_EXHAUSTED (the worker edge pauses the queue then, until RELSYNC_OUTAGE_MAX_WAIT_S).
   */
  waitOutOutage?: (failure: { code: string; httpStatus?: number }) => Promise<boolean>;
  maxAttempts: number;
  signal?: AbortSignal;
  /**
   * The incremental sync state of the import's target (docs/architecture.md#incremental-sync): a row
   * that succeeds is remembered with its entry fields, one that Zoho answered with an error is
   * forgotten, in the same write as its outcome. Absent: the state is left alone.
   */
  state?: { targetId: string; day: number; ttlS: number };
  /**
   * This call's reads, made ahead of it by the caller (sync.processor.ts reads a job's next call while
   * this one runs): its rows' outcomes, and the stop in force as the previous call's outcome script saw
   * it. Absent: both are read here, in one round trip.
   */
  readAhead?: { known: ReadonlyArray<RowOutcome | undefined>; stop: ImportStop | undefined };
}

export type SyncStep =
  /**
   * `stopped`: this call stopped the import (every call would fail the same way, e.g. a wrong API domain).
   * `answer`: how Zoho answered the call's rows, for the import guard; absent when nothing was sent or
   * Zoho never answered (RETRIES_EXHAUSTED). `tally`: the guard's tally after this answer, when it was
   * counted with the outcomes (a PUT); without it the guard counts the answer itself. `inForce`: the
   * import's stop when the outcomes were written (`stop` absent: none), read by the same script.
   */
  | { kind: 'done'; sent: number; recorded: number; httpStatus?: number; stopped?: ImportStop; answer?: CallAnswer; tally?: GuardTally; inForce?: { stop?: ImportStop } }
  | { kind: 'retry'; code: string; message: string; retryAfterMs?: number; httpStatus?: number }
  | { kind: 'rate-limited'; reason: 'concurrency' | 'credits' | 'unknown'; message: string; retryAfterMs?: number }
  /** Cannot call Zoho now (no token can be had, or the credit budget is spent): wait, spend no attempt. */
  | { kind: 'paused'; code: string; message: string; retryAfterMs?: number };

/** One call of a job, with its import. */
export type ImportCall = SyncCall & { importId: string };

export interface ImportStop { code: StopCode; reason: string }

export async function syncCall(deps: SyncDeps, call: ImportCall, ctx: SyncContext): Promise<SyncStep> {
  if (call.op === 'delink') return syncDelink(deps, call, ctx);
  // Both reads in one round trip (each call pays for the sequential ones, ~1 ms apiece on a busy host),
  // or none when the caller made them ahead.
  const [known, stop] = ctx.readAhead
    ? [ctx.readAhead.known, ctx.readAhead.stop]
    : await Promise.all([deps.ledger.getOutcomes(call.importId, call.entries.map((e) => e.row)), deps.ledger.stopOf(call.importId)]);
  const entries = call.entries.filter((_, i) => known[i] === undefined);
  if (entries.length === 0) return { kind: 'done', sent: 0, recorded: 0 };
  // A stopped import sends nothing more: its unsent rows get the stop's outcome instead of a call.
  if (stop) return { kind: 'done', sent: 0, recorded: await recordStop(deps, call.importId, entries, stop) };
  const noCredit = await takeCredit(deps);
  if (noCredit) return noCredit;

  let verdict: CallVerdict;
  try {
    verdict = await deps.client.updateRelated(buildRequest(ctx.profile, call.base, entries), { signal: ctx.signal });
  } catch (error) {
    return fromThrown(error);
  }
  return afterAnswer(deps, call, ctx, entries, verdict);
}

/**
 * What follows Zoho's answer to a PUT. When it settles the rows, one script records their outcomes,
 * counts the call and tallies the answer for the import guard (one round trip); otherwise the call is
 * counted alongside what follows (awaited before returning), not before it.
 */
async function afterAnswer(deps: SyncDeps, call: ImportCall, ctx: SyncContext, entries: CallEntry[], verdict: CallVerdict): Promise<SyncStep> {
  const answered = verdict.kind === 'results' || verdict.kind === 'request-error';
  const settled = answered || ((verdict.kind === 'retry' || verdict.kind === 'token-invalid') && ctx.attempt >= ctx.maxAttempts);
  if (!settled) {
    const counted = deps.ledger.increment(call.importId, 'calls');
    counted.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
    try {
      return await unsettled(deps, call, ctx, entries, verdict);
    } finally {
      await counted;
    }
  }
  // On the last attempt a failure that is an outage (Zoho unreachable) is waited out, not exhausted.
  if (verdict.kind === 'retry' && ctx.waitOutOutage !== undefined && (await ctx.waitOutOutage(verdict))) {
    await deps.ledger.increment(call.importId, 'calls');
    return nextStep(verdict);
  }
  const outcomes = outcomesFor(verdict, entries, ctx)!;
  const answer = answered ? answerOf(outcomes) : undefined;
  const { recorded, tally, inForce } = await deps.ledger.recordCallOutcomes(call.importId, outcomes, {
    state: ctx.state && stateChange(ctx.state, call.base, entries, outcomes), tally: answer && callTallyOf(answer), countCall: true,
  });
  return { kind: 'done', sent: entries.length, recorded, httpStatus: 'httpStatus' in verdict ? verdict.httpStatus : undefined, answer, tally, inForce };
}

/** An answer that does not settle the rows: another try, a wait, or an import that cannot go on. */
async function unsettled(deps: SyncDeps, call: ImportCall, ctx: SyncContext, entries: CallEntry[], verdict: CallVerdict): Promise<SyncStep> {
  if (verdict.kind === 'wrong-api-domain') {
    // Every call of every import would be refused the same way, and a new token cannot help: the
    // import fails with the reason at once rather than pausing for ever or minting again.
    const stopped = await deps.ledger.stopImport(call.importId, 'IMPORT_FAILED', verdict.message);
    return { kind: 'done', sent: 0, recorded: await recordStop(deps, call.importId, entries, stopped), stopped };
  }
  return nextStep(verdict);
}

/**
 * A delink call: `DELETE …/{base}/{relatedList}?ids=` of the related ids of unlink rows and of a
 * mirror's removals, each of which gets exactly one outcome, through the same retry ladder as a PUT.
 *
 * Every id was read as linked just before (plan-links.ts), so Zoho's per-entry INVALID_DATA (its answer
 * to a record that is not linked, docs/zoho.md#unknown-delink-by-external-value) means it is no longer
 * linked: on a re-sent call our own lost send removed it (success); on a first send someone else did
 * (`skipped` / NOT_LINKED). Ids are Zoho's record ids, whatever the profile: the DELETE never depends
 * on whether `ids` may carry external values.
 */
async function syncDelink(deps: SyncDeps, call: ImportCall, ctx: SyncContext): Promise<SyncStep> {
  const { importId, base } = call;
  const removalsAll = call.removals ?? [];
  // The three reads in one round trip, as for a PUT (syncCall).
  const [known, done, stop] = await Promise.all([
    deps.ledger.getOutcomes(importId, call.entries.map((e) => e.row)),
    deps.ledger.hasRemovals(importId, removalsAll.map((r) => ({ base, relatedId: r.relatedId }))),
    deps.ledger.stopOf(importId),
  ]);
  const entries = call.entries.filter((_, i) => known[i] === undefined);
  const removals = removalsAll.filter((_, i) => !done[i]);
  if (entries.length === 0 && removals.length === 0) return { kind: 'done', sent: 0, recorded: 0 };
  // A pair unlinked or removed (or found not linked) leaves the incremental state in the same write as
  // its outcome; so does one in error (forgetting only means it is sent again when a file names it).
  const relatedOf = new Map(entries.map((e) => [e.row, e.related]));
  const record = async (rows: RowOutcome[], gone: RemovalOutcome[]): Promise<number> =>
    (await deps.ledger.recordOutcomes(importId, rows, ctx.state && { ...ctx.state, base, pairs: rows.map((o) => ({ row: o.row, related: relatedOf.get(o.row) ?? '' })) })) +
    (await deps.ledger.recordRemovals(importId, gone, ctx.state && { ...ctx.state, base }));
  const settleAll = (status: RowOutcome['status'], code: string, message: string): Promise<number> => record(
    entries.map((e) => ({ row: e.row, status, code, message })),
    removals.map((r) => removalOutcome(base, r, status, code, message)),
  );
  if (stop) return { kind: 'done', sent: 0, recorded: await settleAll(stop.code === OutcomeCodes.IMPORT_FAILED ? 'error' : 'skipped', stop.code, stop.reason) };
  const noCredit = await takeCredit(deps);
  if (noCredit) return noCredit;
  const ids = [...entries.map((e) => e.relatedId ?? e.related), ...removals.map((r) => r.relatedId)];
  let verdict: CallVerdict;
  try {
    verdict = await deps.client.delinkRelated({ module: ctx.profile.module, base, relatedList: ctx.profile.relatedList, xExternal: baseExternalHeader(ctx.profile), ids }, { signal: ctx.signal });
  } catch (error) {
    return fromThrown(error);
  }
  await deps.ledger.increment(importId, 'calls');
  if (verdict.kind === 'wrong-api-domain') {
    const stopped = await deps.ledger.stopImport(importId, 'IMPORT_FAILED', verdict.message);
    return { kind: 'done', sent: 0, recorded: await settleAll('error', stopped.code, stopped.reason), stopped };
  }
  const waitOut = verdict.kind === 'retry' && ctx.attempt >= ctx.maxAttempts && ctx.waitOutOutage !== undefined && (await ctx.waitOutOutage(verdict));
  if (waitOut) return nextStep(verdict);
  const resent = ctx.resent ?? ctx.attempt > 1;
  let rows: RowOutcome[];
  let gone: RemovalOutcome[];
  if (verdict.kind === 'results') {
    rows = entries.map((e, i) => fromDelinkResult(verdict.entries[i], resent, (status, code, message, zohoId) => ({ row: e.row, status, code, message, ...(zohoId ? { zohoId } : {}) })));
    gone = removals.map((r, i) => fromDelinkResult(verdict.entries[entries.length + i], resent, (status, code, message) => removalOutcome(base, r, status, code, message)));
  } else if (verdict.kind === 'request-error') {
    rows = entries.map((e) => ({ row: e.row, status: 'error', code: verdict.code, message: verdict.message }));
    gone = removals.map((r) => removalOutcome(base, r, 'error', verdict.code, verdict.message));
  } else if ((verdict.kind === 'retry' || verdict.kind === 'token-invalid') && ctx.attempt >= ctx.maxAttempts) {
    const message = `gave up after ${ctx.maxAttempts} attempt(s); last error ${verdict.code}: ${verdict.message}`;
    rows = entries.map((e) => ({ row: e.row, status: 'error', code: OutcomeCodes.RETRIES_EXHAUSTED, message }));
    gone = removals.map((r) => removalOutcome(base, r, 'error', OutcomeCodes.RETRIES_EXHAUSTED, message));
  } else {
    return nextStep(verdict);
  }
  const recorded = await record(rows, gone);
  const answered = verdict.kind === 'results' || verdict.kind === 'request-error';
  // The import guard counts removals as it counts rows: answered, and in error.
  const answer = answered ? answerOf([...rows, ...gone.map((g, i) => ({ row: -1 - i, status: g.status, code: g.code, message: g.message }))]) : undefined;
  return { kind: 'done', sent: ids.length, recorded, httpStatus: 'httpStatus' in verdict ? verdict.httpStatus : undefined, answer };
}

function removalOutcome(base: string, removal: RemovalEntry, status: RemovalOutcome['status'], code: string, message: string): RemovalOutcome {
  return { base, related: removal.related, relatedId: removal.relatedId, status, code, message };
}

/** One delinked id's outcome, built by `make` for a row or a removal. */
function fromDelinkResult<T>(result: EntryResult | undefined, resent: boolean, make: (status: RowOutcome['status'], code: string, message: string, zohoId?: string) => T): T {
  if (!result) return make('error', OutcomeCodes.NO_RESULT, 'Zoho answered without a result for this record');
  if (result.status === 'success') return make('success', result.code, result.message, result.zohoId);
  if (result.code === 'INVALID_DATA') {
    return resent
      ? make('success', 'SUCCESS', `already removed: Zoho answered ${result.code} to a re-sent call whose first answer was lost`)
      : make('skipped', OutcomeCodes.NOT_LINKED, `not linked any more: ${result.message}`);
  }
  return make('error', result.code, result.message);
}

/** Successes are remembered with their fields' digest; errors forgotten, so the next run sends them again. */
function stateChange(state: NonNullable<SyncContext['state']>, base: string, entries: readonly CallEntry[], outcomes: readonly RowOutcome[]): PairStateChange {
  const pairs = entries.map((e, i) => (outcomes[i]?.status === 'success' ? { row: e.row, related: e.related, digest: fieldsDigest(e.fields) } : { row: e.row, related: e.related }));
  return { ...state, base, pairs };
}

/** One credit of ZOHO_DAILY_CREDITS for a call (a PUT or a DELETE), or the pause until one frees. */
async function takeCredit(deps: SyncDeps): Promise<SyncStep | undefined> {
  if (!deps.budget) return undefined;
  const take = await deps.budget.tryTake(1);
  if (take.ok) return undefined;
  const now = (deps.now ?? Date.now)();
  return {
    kind: 'paused', code: ErrorCodes.CREDIT_BUDGET, retryAfterMs: take.retryAtMs - now,
    message: creditBudgetSpent(deps.budget.limit, take.retryAtMs),
  };
}

/** Rows answered and in error; the failure they share when every row failed with one code. */
function answerOf(outcomes: readonly RowOutcome[]): CallAnswer {
  const errors = outcomes.filter((o) => o.status === 'error');
  const first = errors[0];
  const alike = first !== undefined && errors.length === outcomes.length && errors.every((o) => o.code === first.code);
  return alike ? { rows: outcomes.length, errors: errors.length, failure: { code: first.code, message: first.message } } : { rows: outcomes.length, errors: errors.length };
}

/** Rows not sent because the import stopped get the stop's outcome (an error when it failed). */
function recordStop(deps: SyncDeps, importId: string, entries: readonly CallEntry[], stop: ImportStop): Promise<number> {
  const status = stop.code === OutcomeCodes.IMPORT_FAILED ? 'error' : 'skipped';
  return deps.ledger.recordOutcomes(importId, entries.map((e) => ({ row: e.row, status, code: stop.code, message: stop.reason })));
}

/** The request for these entries: related by external field (or `id`), relation fields as mapped. */
export function buildRequest(profile: Profile, base: string, entries: readonly CallEntry[]): RelatedUpdateRequest {
  const relatedKey = profile.related.externalField ?? 'id';
  return {
    module: profile.module,
    base,
    relatedList: profile.relatedList,
    xExternal: xExternalHeader(profile),
    entries: entries.map((e) => ({ ...e.fields, [relatedKey]: e.related })),
  };
}

/** Outcomes when the verdict settles the rows; undefined when it calls for another try. */
function outcomesFor(verdict: CallVerdict, entries: readonly CallEntry[], ctx: SyncContext): RowOutcome[] | undefined {
  switch (verdict.kind) {
    case 'results':
      return entries.map((e, i) => fromEntryResult(e.row, verdict.entries[i], ctx.resent ?? ctx.attempt > 1));
    case 'request-error':
      return entries.map((e) => ({ row: e.row, status: 'error', code: verdict.code, message: verdict.message }));
    case 'retry':
    case 'token-invalid':
      if (ctx.attempt < ctx.maxAttempts) return undefined;
      return entries.map((e) => ({
        row: e.row,
        status: 'error',
        code: OutcomeCodes.RETRIES_EXHAUSTED,
        message: `gave up after ${ctx.maxAttempts} attempt(s); last error ${verdict.code}: ${verdict.message}`,
      }));
    case 'rate-limited':
    case 'wrong-api-domain':
      return undefined;
  }
}

/**
 * Zoho does not document its answer to a pair that already exists
 * (docs/zoho.md#unknown-answer-to-a-pair-that-already-exists): `relation added`, `relation updated`, or a
 * per-entry duplicate error are all plausible. On a re-sent call (an earlier attempt's answer was lost,
 * so it may have applied), a duplicate error means our own earlier send made the association: the row
 * succeeded. On a first attempt it stays an error (the
 * pair existed before and, for example, its role was not changed).
 */
const ALREADY_ASSOCIATED_CODES = new Set(['DUPLICATE_DATA', 'ALREADY_USED']);

function fromEntryResult(row: number, result: EntryResult | undefined, resent: boolean): RowOutcome {
  if (!result) return { row, status: 'error', code: OutcomeCodes.NO_RESULT, message: 'Zoho answered without a result for this entry' };
  if (result.status === 'error' && resent && ALREADY_ASSOCIATED_CODES.has(result.code)) {
    return { row, status: 'success', code: 'SUCCESS', message: `already associated: Zoho answered ${result.code} to a re-sent call whose first answer was lost` };
  }
  if (result.status === 'success') {
    return result.zohoId ? { row, status: 'success', code: result.code, message: result.message, zohoId: result.zohoId } : { row, status: 'success', code: result.code, message: result.message };
  }
  return { row, status: 'error', code: result.code, message: result.message };
}

function nextStep(verdict: CallVerdict): SyncStep {
  if (verdict.kind === 'rate-limited') return { kind: 'rate-limited', reason: verdict.reason, message: verdict.message, retryAfterMs: verdict.retryAfterMs };
  if (verdict.kind === 'retry') return { kind: 'retry', code: verdict.code, message: verdict.message, retryAfterMs: verdict.retryAfterMs, httpStatus: verdict.httpStatus };
  if (verdict.kind === 'token-invalid') return { kind: 'retry', code: verdict.code, message: verdict.message, httpStatus: verdict.httpStatus ?? 401 };
  throw new Error(`unexpected verdict ${verdict.kind}`);
}

/** A token could not be had: the accounts server refused or throttled us, or a refresh is stuck. */
function fromThrown(error: unknown): SyncStep {
  const code = (error as { code?: unknown }).code;
  if (code === ErrorCodes.ACCOUNTS_ERROR || code === ErrorCodes.TOKEN_WAIT_TIMEOUT) {
    return { kind: 'paused', code, message: (error as Error).message };
  }
  throw error;
}
