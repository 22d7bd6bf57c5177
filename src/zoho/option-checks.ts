/**
 * Validation of constructor options, "expected X, got Y", every problem at once (STYLE Code 9).
 * Secrets are checked for presence only and never echoed.
 */
import { ErrorCodes, RelsyncError } from '../errors.js';

export type Problem = string | undefined;

/** Throw one INVALID_OPTION error naming every problem, or return when there is none. */
export function throwIfProblems(owner: string, problems: readonly Problem[]): void {
  const found = problems.filter((p): p is string => p !== undefined);
  if (found.length > 0) throw new RelsyncError(ErrorCodes.INVALID_OPTION, `${owner}: ${found.join('; ')}`);
}

export function positiveNumber(name: string, value: number | undefined): Problem {
  if (value === undefined || (Number.isFinite(value) && value > 0)) return undefined;
  return `${name}: expected a number > 0 (ms), got ${String(value)}`;
}

export function positiveInteger(name: string, value: number | undefined): Problem {
  if (value === undefined || (Number.isInteger(value) && value > 0)) return undefined;
  return `${name}: expected an integer >= 1, got ${String(value)}`;
}

export function nonNegativeNumber(name: string, value: number | undefined): Problem {
  if (value === undefined || (Number.isFinite(value) && value >= 0)) return undefined;
  return `${name}: expected a number >= 0 (ms), got ${String(value)}`;
}

export function httpUrl(name: string, value: string | undefined): Problem {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return undefined;
  } catch {
    // fall through to the problem below
  }
  return `${name}: expected an http(s) URL, got '${value}'`;
}

export function presentSecret(name: string, value: string): Problem {
  return typeof value === 'string' && value.trim() !== '' ? undefined : `${name}: expected a non-empty string`;
}
