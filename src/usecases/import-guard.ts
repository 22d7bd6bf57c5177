/**
 * The import guard: evaluated after each call that got Zoho's answer (src/processors/sync.processor.ts
 * calls it once syncCall returns 'done'). It stops an import that would only waste the night, through
 * the one stop there is (RunLedger.stopImport, code ABORTED): syncCall then gives every row not yet
 * sent `skipped` / `ABORTED` with the reason instead of a call, and the report is written as usual.
 *
 * - Fail fast: an error every call of the import would get — a wrong module or related list, a scope
 *   or permission the Self Client lacks — stops it after FAIL_FAST_CALLS calls in a row answered with
 *   the same such code and no success in between, instead of a thousand calls that all say the same.
 * - The error-rate brake: once `minRows` rows have Zoho's answer and more than `errorRate` of them
 *   are errors, the import stops (RELSYNC_ABORT_ERROR_RATE, RELSYNC_ABORT_MIN_ROWS, or the profile's or
 *   payload's `abort`).
 *
 * The tally is in Redis, shared by every worker that syncs the import. A PUT call's answer is counted
 * by the script that records its outcomes (RunLedger.recordCallOutcomes with `callTallyOf`), in the
 * same round trip; other answers by RunLedger.tallyCall. Calls in flight when the stop is written
 * still get their answers (at most ZOHO_CONCURRENCY of them).
 */
import type { Config } from '../config/config.js';
import { OutcomeCodes } from '../domain/row-outcome.js';
import type { CallTally, GuardTally, RunLedger } from '../ledger/run-ledger.js';
import type { Profile } from '../profile/profile.js';

/** Identical whole-call answers in a row (no success between) that stop an import. */
export const FAIL_FAST_CALLS = 3;

/**
 * Whole-call errors that say the request itself is wrong, not one of its records
 * (docs/zoho.md#whole-request-errors): every call of the import gets the same answer. An unknown base
 * record is also a whole-call INVALID_DATA, but only for that record's calls, so it is not here.
 */
const IMPORT_WIDE_CODES = new Set([
  'INVALID_URL_PATTERN', 'INVALID_MODULE', 'INVALID_REQUEST_METHOD', 'OAUTH_SCOPE_MISMATCH', 'NO_PERMISSION',
  'AUTHORIZATION_FAILED', 'AUTHENTICATION_FAILURE',
  // No Zoho JSON: something in between (a proxy, a wrong ZOHO_API_DOMAIN) answers every call alike.
  'HTTP_401', 'HTTP_403', 'HTTP_404', 'HTTP_405',
]);

/**
 * INVALID_DATA is Zoho's answer to a wrong related list ("The relation name given seems to be
 * invalid", docs/zoho.md#whole-request-errors) and to a bad X-EXTERNAL header, both of which every
 * call shares, as well as to an unknown base record, which it does not: told apart by what it names.
 */
const IMPORT_WIDE_INVALID_DATA = /relation name|header_name: X-EXTERNAL/i;

export function isImportWideError(code: string, message: string): boolean {
  return IMPORT_WIDE_CODES.has(code) || (code === 'INVALID_DATA' && IMPORT_WIDE_INVALID_DATA.test(message));
}

/** How one call was answered, as syncCall reports it. */
export interface CallAnswer {
  /** Rows of the call that got Zoho's answer, and how many of them are errors. */
  rows: number;
  errors: number;
  /** The code and message every row of the call failed with, if they all failed alike. */
  failure?: { code: string; message: string };
}

export interface GuardSettings {
  /** Share of answered rows in error above which the import stops; undefined: no brake. */
  errorRate?: number;
  minRows: number;
  /** Where errorRate came from, for the reason: "RELSYNC_ABORT_ERROR_RATE" or "abort.errorRate". */
  rateSource: string;
}

/** The brake for one import: its profile's `abort` (with the payload's merged in) over the worker's settings. */
export function guardSettingsFor(defaults: Config['abort'], profile: Pick<Profile, 'abort'>): GuardSettings {
  const fromProfile = profile.abort?.errorRate !== undefined;
  return {
    errorRate: profile.abort?.errorRate ?? defaults.errorRate,
    minRows: profile.abort?.minRows ?? defaults.minRows,
    rateSource: fromProfile ? "the import's abort.errorRate" : 'RELSYNC_ABORT_ERROR_RATE',
  };
}

export interface Stop {
  code: typeof OutcomeCodes.ABORTED;
  reason: string;
}

/** Pure: whether the tally after a call calls for a stop, and the one line that says why. */
export function decide(tally: GuardTally, settings: GuardSettings, failure?: CallAnswer['failure']): Stop | undefined {
  if (failure && tally.streak >= FAIL_FAST_CALLS && tally.streakCode === failure.code) {
    return {
      code: OutcomeCodes.ABORTED,
      reason: `stopped after ${tally.streak} calls in a row were answered ${failure.code} (${failure.message}): every call of this import would get it; ${hintFor(failure.code)}`,
    };
  }
  const { errorRate, minRows } = settings;
  if (errorRate !== undefined && tally.answered >= minRows && tally.failed / tally.answered > errorRate) {
    const share = Math.round((tally.failed / tally.answered) * 100);
    return {
      code: OutcomeCodes.ABORTED,
      reason: `stopped by the error-rate brake: ${tally.failed} of ${tally.answered} rows answered by Zoho are errors (${share}%), above ${settings.rateSource} ${errorRate}; see the report's errors`,
    };
  }
  return undefined;
}

function hintFor(code: string): string {
  if (code === 'INVALID_URL_PATTERN' || code === 'INVALID_MODULE' || code === 'INVALID_DATA') {
    return "check the profile's module, related list and external fields with 'relsync check'";
  }
  if (code.startsWith('HTTP_')) return 'check ZOHO_API_DOMAIN and any proxy in between';
  return "the Self Client's user or scopes cannot update this related list (docs/operating.md#self-client)";
}

export interface GuardDeps {
  ledger: Pick<RunLedger, 'tallyCall' | 'stopImport'>;
}

/** How the tally counts one answered call: only import-wide failures count toward failing fast. */
export function callTallyOf(answer: CallAnswer): CallTally {
  const failure = importWideFailure(answer);
  return { answered: answer.rows, failed: answer.errors, succeeded: answer.errors < answer.rows, failureCode: failure?.code };
}

/**
 * Count one answered call and stop the import when a rule says so. Returns the stop this call
 * caused, or undefined (also when an earlier stop was in force: the first stop wins). `tallied`: the
 * tally after this call, when the call was already counted (`callTallyOf`, in the outcome script).
 */
export async function guardAfterCall(deps: GuardDeps, importId: string, answer: CallAnswer, settings: GuardSettings, tallied?: GuardTally): Promise<Stop | undefined> {
  const tally = tallied ?? (await deps.ledger.tallyCall(importId, callTallyOf(answer)));
  const stop = decide(tally, settings, importWideFailure(answer));
  if (!stop) return undefined;
  const inForce = await deps.ledger.stopImport(importId, stop.code, stop.reason);
  return inForce.code === stop.code && inForce.reason === stop.reason ? stop : undefined;
}

function importWideFailure(answer: CallAnswer): CallAnswer['failure'] {
  return answer.failure && isImportWideError(answer.failure.code, answer.failure.message) ? answer.failure : undefined;
}
