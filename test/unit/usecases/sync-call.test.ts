/**
 * The sync call's outcome rules, without Redis or HTTP: which verdicts settle rows (and how), which
 * ask for another try, and which pause. The ledger and the client are in-memory stand-ins for the two
 * narrow interfaces syncCall uses; the real ones are covered by test/integration and test/faults.
 */
import { describe, expect, it } from 'vitest';
import type { RowOutcome } from '../../../src/domain/row-outcome.js';
import type { CallTally, StopCode } from '../../../src/ledger/run-ledger.js';
import { ErrorCodes } from '../../../src/errors.js';
import { parseProfile } from '../../../src/profile/profile.js';
import { syncCall, type CreditGate, type SyncDeps } from '../../../src/usecases/sync-call.js';
import type { CallVerdict } from '../../../src/zoho/call-verdict.js';
import type { RelatedUpdateRequest } from '../../../src/zoho/zoho-client.js';

const profile = parseProfile({
  module: 'Contacts', relatedList: 'Deals',
  base: { column: 'contact_ext_id', externalField: 'External_Contact_ID' },
  related: { column: 'deal_ext_id', externalField: 'External_Deal_ID', module: 'Deals' },
  fields: { Contact_Role: 'contact_role' },
}, 'test');

const call = { importId: 'imp-1', base: 'C-1', entries: [{ row: 1, related: 'D-1', fields: { Contact_Role: 'R1' } }, { row: 2, related: 'D-2' }] };

function memoryLedger(known: RowOutcome[] = [], initialStop?: { code: StopCode; reason: string }) {
  const outcomes = new Map(known.map((o) => [o.row, o]));
  const counters: Record<string, number> = {};
  const tallies: CallTally[] = [];
  let stop = initialStop;
  const ledger: SyncDeps['ledger'] = {
    getOutcomes: async (_id, rows) => rows.map((row) => outcomes.get(row)),
    increment: async (_id, counter, by = 1) => void (counters[counter] = (counters[counter] ?? 0) + by),
    recordOutcomes: async (_id, list) => list.filter((o) => !outcomes.has(o.row) && outcomes.set(o.row, o)).length,
    recordCallOutcomes: async (id, list, call = {}) => {
      if (call.countCall) await ledger.increment(id, 'calls');
      if (call.tally) tallies.push(call.tally);
      const recorded = await ledger.recordOutcomes(id, list);
      return call.tally ? { recorded, tally: { answered: 0, failed: 0, streakCode: '', streak: 0 } } : { recorded };
    },
    stopOf: async () => stop,
    stopImport: async (_id, code, reason) => (stop ??= { code, reason }), // the first stop wins
    hasRemovals: async (_id, list) => list.map(() => false),
    recordRemovals: async (_id, list) => list.length,
  };
  return { ledger, outcomes, counters, tallies, stopOf: () => stop };
}

function answering(verdict: CallVerdict | Error) {
  const sent: RelatedUpdateRequest[] = [];
  return {
    sent,
    client: {
      updateRelated: async (request: RelatedUpdateRequest) => {
        sent.push(request);
        if (verdict instanceof Error) throw verdict;
        return verdict;
      },
      delinkRelated: async () => {
        throw new Error('no delink in these tests');
      },
    },
  };
}

const ctx = (attempt = 1, maxAttempts = 3) => ({ profile, attempt, maxAttempts });

describe('syncCall', () => {
  it('sends one PUT for the base with each entry keyed by the external field, and records each result on its row', async () => {
    const { ledger, outcomes, counters } = memoryLedger();
    const { client, sent } = answering({ kind: 'results', httpStatus: 207, entries: [
      { status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '900' },
      { status: 'error', code: 'INVALID_DATA', message: 'the related id given seems to be invalid' },
    ] });
    const step = await syncCall({ ledger, client }, call, ctx());
    expect(step).toMatchObject({ kind: 'done', sent: 2, recorded: 2 });
    expect(sent).toEqual([{ module: 'Contacts', base: 'C-1', relatedList: 'Deals', xExternal: 'Contacts.External_Contact_ID,Deals.External_Deal_ID', entries: [{ Contact_Role: 'R1', External_Deal_ID: 'D-1' }, { External_Deal_ID: 'D-2' }] }]);
    expect(outcomes.get(1)).toEqual({ row: 1, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: '900' });
    expect(outcomes.get(2)).toMatchObject({ row: 2, status: 'error', code: 'INVALID_DATA' });
    expect(counters.calls).toBe(1);
  });

  it('sends only the rows without an outcome, and makes no call when all have one', async () => {
    const done: RowOutcome = { row: 1, status: 'success', code: 'SUCCESS', message: 'relation added' };
    const partly = answering({ kind: 'results', httpStatus: 200, entries: [{ status: 'success', code: 'SUCCESS', message: 'relation added' }] });
    await syncCall({ ledger: memoryLedger([done]).ledger, client: partly.client }, call, ctx());
    expect(partly.sent[0]!.entries).toEqual([{ External_Deal_ID: 'D-2' }]);

    const none = answering(new Error('must not be called'));
    const all = memoryLedger([done, { ...done, row: 2 }]);
    expect(await syncCall({ ledger: all.ledger, client: none.client }, call, ctx())).toEqual({ kind: 'done', sent: 0, recorded: 0 });
    expect(none.sent).toHaveLength(0);
  });

  it('gives every row the whole-request error, and tells the import guard every row failed alike', async () => {
    const { ledger, outcomes, tallies, counters } = memoryLedger();
    const { client } = answering({ kind: 'request-error', httpStatus: 404, code: 'INVALID_URL_PATTERN', message: 'the request URL is incorrect' });
    const step = await syncCall({ ledger, client }, call, ctx());
    expect([...outcomes.values()].map((o) => [o.row, o.status, o.code])).toEqual([[1, 'error', 'INVALID_URL_PATTERN'], [2, 'error', 'INVALID_URL_PATTERN']]);
    expect(step).toMatchObject({ kind: 'done', answer: { rows: 2, errors: 2, failure: { code: 'INVALID_URL_PATTERN', message: 'the request URL is incorrect' } } });
    // Tallied for the guard with the outcomes, in the same write, which also counts the call.
    expect(tallies).toEqual([{ answered: 2, failed: 2, succeeded: false, failureCode: 'INVALID_URL_PATTERN' }]);
    expect(step).toHaveProperty('tally');
    expect(counters.calls).toBe(1);
  });

  it("reports Zoho's answer for the guard: rows answered and in error, a shared failure only when all failed alike, none without an answer", async () => {
    const mixed = await syncCall({ ledger: memoryLedger().ledger, client: answering({ kind: 'results', httpStatus: 207, entries: [
      { status: 'success', code: 'SUCCESS', message: 'relation added' }, { status: 'error', code: 'INVALID_DATA', message: 'the related id given seems to be invalid' },
    ] }).client }, call, ctx());
    expect(mixed).toMatchObject({ kind: 'done', answer: { rows: 2, errors: 1 } });
    expect(mixed.kind === 'done' && mixed.answer?.failure).toBeFalsy();
    const alike = await syncCall({ ledger: memoryLedger().ledger, client: answering({ kind: 'results', httpStatus: 400, entries: [
      { status: 'error', code: 'AUTHORIZATION_FAILED', message: 'no permission' }, { status: 'error', code: 'AUTHORIZATION_FAILED', message: 'no permission' },
    ] }).client }, call, ctx());
    expect(alike).toMatchObject({ answer: { rows: 2, errors: 2, failure: { code: 'AUTHORIZATION_FAILED' } } });
    const exhausted = await syncCall({ ledger: memoryLedger().ledger, client: answering({ kind: 'retry', code: 'INTERNAL_ERROR', message: 'x' }).client }, call, ctx(3, 3));
    expect(exhausted).toMatchObject({ kind: 'done', sent: 2 });
    expect(exhausted.kind === 'done' && exhausted.answer).toBeUndefined();
  });

  it('asks for another try while attempts remain, then gives every row RETRIES_EXHAUSTED', async () => {
    const verdict: CallVerdict = { kind: 'retry', httpStatus: 500, code: 'INTERNAL_ERROR', message: 'try later', retryAfterMs: 2_000 };
    const early = memoryLedger();
    expect(await syncCall({ ledger: early.ledger, client: answering(verdict).client }, call, ctx(2, 3))).toEqual({ kind: 'retry', code: 'INTERNAL_ERROR', message: 'try later', retryAfterMs: 2_000, httpStatus: 500 });
    expect(early.outcomes.size).toBe(0);

    const last = memoryLedger();
    await syncCall({ ledger: last.ledger, client: answering(verdict).client }, call, ctx(3, 3));
    expect([...last.outcomes.values()].map((o) => o.code)).toEqual(['RETRIES_EXHAUSTED', 'RETRIES_EXHAUSTED']);
    expect(last.outcomes.get(1)!.message).toContain('INTERNAL_ERROR');
  });

  it('waits out an outage on the last attempt instead of giving the rows RETRIES_EXHAUSTED', async () => {
    const refused: CallVerdict = { kind: 'retry', code: 'ECONNREFUSED', message: 'Zoho refused the connection' };
    const { ledger, outcomes } = memoryLedger();
    const asked: string[] = [];
    const waitOutOutage = async (failure: { code: string }) => (asked.push(failure.code), true);
    expect(await syncCall({ ledger, client: answering(refused).client }, call, { ...ctx(3, 3), waitOutOutage })).toMatchObject({ kind: 'retry', code: 'ECONNREFUSED' });
    expect(outcomes.size).toBe(0);
    expect(asked).toEqual(['ECONNREFUSED']);
    const exhausted = memoryLedger();
    await syncCall({ ledger: exhausted.ledger, client: answering(refused).client }, call, { ...ctx(3, 3), waitOutOutage: async () => false });
    expect(exhausted.outcomes.get(1)).toMatchObject({ code: 'RETRIES_EXHAUSTED' });
  });

  it('never settles a row on a 429, whatever the attempt', async () => {
    const { ledger, outcomes } = memoryLedger();
    const { client } = answering({ kind: 'rate-limited', code: 'TOO_MANY_REQUESTS', message: 'too many', reason: 'concurrency' });
    expect(await syncCall({ ledger, client }, call, ctx(3, 3))).toMatchObject({ kind: 'rate-limited', reason: 'concurrency' });
    expect(outcomes.size).toBe(0);
  });

  it('counts a duplicate answer as success only on a re-sent call (the first answer may have been lost)', async () => {
    const duplicate: CallVerdict = { kind: 'results', httpStatus: 400, entries: [
      { status: 'error', code: 'DUPLICATE_DATA', message: 'duplicate data' }, { status: 'error', code: 'DUPLICATE_DATA', message: 'duplicate data' },
    ] };
    const first = memoryLedger();
    await syncCall({ ledger: first.ledger, client: answering(duplicate).client }, call, ctx(1));
    expect(first.outcomes.get(1)).toMatchObject({ status: 'error', code: 'DUPLICATE_DATA' });
    const resent = memoryLedger();
    await syncCall({ ledger: resent.ledger, client: answering(duplicate).client }, call, ctx(2));
    expect(resent.outcomes.get(1)).toMatchObject({ status: 'success', code: 'SUCCESS' });
  });

  it('gives a row NO_RESULT when Zoho answers fewer results than entries', async () => {
    const { ledger, outcomes } = memoryLedger();
    await syncCall({ ledger, client: answering({ kind: 'results', httpStatus: 200, entries: [{ status: 'success', code: 'SUCCESS', message: 'relation added' }] }).client }, call, ctx());
    expect(outcomes.get(2)).toMatchObject({ status: 'error', code: 'NO_RESULT' });
  });

  it('pauses without a call when the credit budget is spent, and when no token can be had', async () => {
    const budget: CreditGate = { limit: 10, tryTake: async () => ({ ok: false, retryAtMs: 61_000, used: 10 }) };
    const none = answering(new Error('must not be called'));
    const paused = await syncCall({ ledger: memoryLedger().ledger, client: none.client, budget, now: () => 1_000 }, call, ctx());
    expect(paused).toMatchObject({ kind: 'paused', code: ErrorCodes.CREDIT_BUDGET, retryAfterMs: 60_000 });
    expect(none.sent).toHaveLength(0);

    const accounts = Object.assign(new Error('Access Denied'), { code: ErrorCodes.ACCOUNTS_ERROR });
    expect(await syncCall({ ledger: memoryLedger().ledger, client: answering(accounts).client }, call, ctx())).toMatchObject({ kind: 'paused', code: 'ACCOUNTS_ERROR' });
  });

  it('sends nothing for a stopped import: its unsent rows get the stop as their outcome', async () => {
    const none = answering(new Error('must not be called'));
    const cancelled = memoryLedger([{ row: 1, status: 'success', code: 'SUCCESS', message: 'relation added' }], { code: 'CANCELLED', reason: 'cancelled by relsync cancel' });
    expect(await syncCall({ ledger: cancelled.ledger, client: none.client }, call, ctx())).toEqual({ kind: 'done', sent: 0, recorded: 1 });
    expect(none.sent).toHaveLength(0);
    expect(cancelled.outcomes.get(1)).toMatchObject({ status: 'success' });
    expect(cancelled.outcomes.get(2)).toEqual({ row: 2, status: 'skipped', code: 'CANCELLED', message: 'cancelled by relsync cancel' });
    const failed = memoryLedger([], { code: 'IMPORT_FAILED', reason: 'the import job failed: stalled' });
    await syncCall({ ledger: failed.ledger, client: none.client }, call, ctx());
    expect(failed.outcomes.get(1)).toMatchObject({ status: 'error', code: 'IMPORT_FAILED' });
  });

  it('fails the import at once on a wrong API domain: the call\'s rows get the reason, later calls send nothing', async () => {
    const reason = 'Zoho API https://www.zohoapis.com refused a fresh token (INVALID_TOKEN): wrong data centre; check ZOHO_API_DOMAIN and ZOHO_DC';
    const memory = memoryLedger();
    const wrong = answering({ kind: 'wrong-api-domain', code: 'INVALID_TOKEN', message: reason, httpStatus: 401 });
    const step = await syncCall({ ledger: memory.ledger, client: wrong.client }, call, ctx());
    expect(step).toEqual({ kind: 'done', sent: 0, recorded: 2, stopped: { code: 'IMPORT_FAILED', reason } });
    expect(memory.stopOf()).toEqual({ code: 'IMPORT_FAILED', reason });
    expect(memory.outcomes.get(1)).toEqual({ row: 1, status: 'error', code: 'IMPORT_FAILED', message: reason });
    expect(memory.counters.calls).toBe(1);
    const next = { ...call, base: 'C-2', entries: [{ row: 3, related: 'D-3' }] };
    expect(await syncCall({ ledger: memory.ledger, client: wrong.client }, next, ctx())).toEqual({ kind: 'done', sent: 0, recorded: 1 });
    expect(wrong.sent).toHaveLength(1);
  });
});
