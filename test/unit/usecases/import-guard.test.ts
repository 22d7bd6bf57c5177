/**
 * The import guard's rules without Redis: which whole-call errors every call of an import would get,
 * when a run of them stops the import, and when the error-rate brake does. The shared tally itself
 * (RunLedger.tallyCall) is tested on a real Redis in test/ledger/run-ledger.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CallTally, GuardTally, StopCode } from '../../../src/ledger/run-ledger.js';
import { decide, FAIL_FAST_CALLS, guardAfterCall, guardSettingsFor, isImportWideError, type GuardSettings } from '../../../src/usecases/import-guard.js';

const noBrake: GuardSettings = { minRows: 500, rateSource: 'RELSYNC_ABORT_ERROR_RATE' };
const tally = (over: Partial<GuardTally>): GuardTally => ({ answered: 0, failed: 0, streakCode: '', streak: 0, ...over });
const relation = { code: 'INVALID_DATA', message: 'The relation name given seems to be invalid' };

describe('isImportWideError', () => {
  it('takes errors about the request itself, never one about a record', () => {
    for (const code of ['INVALID_URL_PATTERN', 'INVALID_MODULE', 'OAUTH_SCOPE_MISMATCH', 'NO_PERMISSION', 'AUTHORIZATION_FAILED', 'HTTP_404']) expect(isImportWideError(code, 'x')).toBe(true);
    expect(isImportWideError(relation.code, relation.message)).toBe(true);
    expect(isImportWideError('INVALID_DATA', 'the X-EXTERNAL header must name an external field (api_name: Deals.X, header_name: X-EXTERNAL)')).toBe(true);
    expect(isImportWideError('INVALID_DATA', 'the external value given for the base record seems to be invalid (api_name: External_Contact_ID)')).toBe(false);
    expect(isImportWideError('INVALID_DATA', 'the related id given seems to be invalid')).toBe(false);
    expect(isImportWideError('MANDATORY_NOT_FOUND', 'required field not found')).toBe(false);
    expect(isImportWideError('HTTP_413', 'too large')).toBe(false);
  });
});

describe('decide', () => {
  it(`stops after ${FAIL_FAST_CALLS} identical whole-call errors in a row, naming the code and what to check`, () => {
    expect(decide(tally({ streakCode: 'INVALID_DATA', streak: FAIL_FAST_CALLS - 1 }), noBrake, relation)).toBeUndefined();
    const stop = decide(tally({ streakCode: 'INVALID_DATA', streak: FAIL_FAST_CALLS }), noBrake, relation);
    expect(stop).toEqual({
      code: 'ABORTED',
      reason: "stopped after 3 calls in a row were answered INVALID_DATA (The relation name given seems to be invalid): every call of this import would get it; check the profile's module, related list and external fields with 'relsync check'",
    });
    expect(decide(tally({ streakCode: 'NO_PERMISSION', streak: 5 }), noBrake, { code: 'NO_PERMISSION', message: 'permission denied' })?.reason).toMatch(/answered NO_PERMISSION .*Self Client's user or scopes/);
  });

  it('does not fail fast on a call whose failure is not the run being counted, nor without a failure', () => {
    expect(decide(tally({ streakCode: 'INVALID_MODULE', streak: 9 }), noBrake, relation)).toBeUndefined();
    expect(decide(tally({ streakCode: 'INVALID_MODULE', streak: 9 }), noBrake)).toBeUndefined();
  });

  it('brakes only once minRows rows have an answer and the share in error is above the rate', () => {
    const brake: GuardSettings = { errorRate: 0.5, minRows: 200, rateSource: 'RELSYNC_ABORT_ERROR_RATE' };
    expect(decide(tally({ answered: 199, failed: 199 }), brake)).toBeUndefined();
    expect(decide(tally({ answered: 200, failed: 100 }), brake)).toBeUndefined(); // at the rate, not above
    expect(decide(tally({ answered: 200, failed: 160 }), brake)).toEqual({
      code: 'ABORTED',
      reason: "stopped by the error-rate brake: 160 of 200 rows answered by Zoho are errors (80%), above RELSYNC_ABORT_ERROR_RATE 0.5; see the report's errors",
    });
    expect(decide(tally({ answered: 10_000, failed: 10_000 }), noBrake)).toBeUndefined();
  });
});

describe('guardSettingsFor', () => {
  it("takes the profile's abort (the payload's merged in) over the worker's settings, key by key", () => {
    expect(guardSettingsFor({ errorRate: undefined, minRows: 500 }, {})).toEqual({ errorRate: undefined, minRows: 500, rateSource: 'RELSYNC_ABORT_ERROR_RATE' });
    expect(guardSettingsFor({ errorRate: 0.9, minRows: 500 }, { abort: { minRows: 50 } })).toEqual({ errorRate: 0.9, minRows: 50, rateSource: 'RELSYNC_ABORT_ERROR_RATE' });
    expect(guardSettingsFor({ errorRate: 0.9, minRows: 500 }, { abort: { errorRate: 0.2 } })).toMatchObject({ errorRate: 0.2, minRows: 500, rateSource: "the import's abort.errorRate" });
  });
});

describe('guardAfterCall', () => {
  function memoryLedger() {
    const t = tally({});
    const stops: Array<{ code: StopCode; reason: string }> = [];
    return {
      stops,
      ledger: {
        async tallyCall(_id: string, call: CallTally) {
          t.answered += call.answered;
          t.failed += call.failed;
          if (call.succeeded) Object.assign(t, { streakCode: '', streak: 0 });
          else if (call.failureCode) Object.assign(t, call.failureCode === t.streakCode ? { streak: t.streak + 1 } : { streakCode: call.failureCode, streak: 1 });
          return { ...t };
        },
        async stopImport(_id: string, code: StopCode, reason: string) {
          stops.push({ code, reason });
          return stops[0]!;
        },
      },
    };
  }

  it('counts only import-wide failures toward failing fast, and a success starts the count again', async () => {
    const { ledger, stops } = memoryLedger();
    const failing = { rows: 100, errors: 100, failure: relation };
    const base = { rows: 100, errors: 100, failure: { code: 'INVALID_DATA', message: 'the external value given for the base record seems to be invalid' } };
    await guardAfterCall({ ledger }, 'imp-1', failing, noBrake);
    await guardAfterCall({ ledger }, 'imp-1', base, noBrake); // an unknown base record: neither counted nor a reset
    await guardAfterCall({ ledger }, 'imp-1', failing, noBrake);
    await guardAfterCall({ ledger }, 'imp-1', { rows: 100, errors: 99 }, noBrake); // one success
    await guardAfterCall({ ledger }, 'imp-1', failing, noBrake);
    await guardAfterCall({ ledger }, 'imp-1', failing, noBrake);
    expect(stops).toEqual([]);
    expect(await guardAfterCall({ ledger }, 'imp-1', failing, noBrake)).toMatchObject({ code: 'ABORTED' });
    expect(stops).toHaveLength(1);
  });

  it('returns no stop when an earlier stop is in force: the first stop wins', async () => {
    const { ledger } = memoryLedger();
    const brake: GuardSettings = { errorRate: 0, minRows: 1, rateSource: 'RELSYNC_ABORT_ERROR_RATE' };
    expect(await guardAfterCall({ ledger }, 'imp-1', { rows: 1, errors: 1 }, brake)).toMatchObject({ code: 'ABORTED' });
    expect(await guardAfterCall({ ledger }, 'imp-1', { rows: 2, errors: 2 }, brake)).toBeUndefined();
  });
});
