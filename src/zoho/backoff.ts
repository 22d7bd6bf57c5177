/**
 * The one backoff function for retries of Zoho calls (network errors, 429, 5xx).
 *
 * Exponential growth with FULL jitter: delay = random() × min(maxMs, baseMs × factor^(attempt−1)).
 * Why full rather than equal jitter: the failures we retry are correlated — a 429 on concurrency or a
 * Zoho hiccup hits every worker at once — and full jitter spreads the retries over the whole window,
 * which minimises the number of calls that collide again (AWS Architecture Blog, "Exponential Backoff
 * and Jitter"). Zoho documents no backoff algorithm and no Retry-After
 * (docs/zoho.md#unknown-what-a-429-says); when a Retry-After does arrive, the verdict carries it and it
 * wins over this function.
 */
import { ErrorCodes, RelsyncError } from '../errors.js';

export interface BackoffOptions {
  /** Delay ceiling of the first retry, in ms (>= 0). */
  baseMs: number;
  /** Hard cap on any delay, in ms (>= baseMs). */
  maxMs: number;
  /** Growth per attempt (>= 1). Default 2. */
  factor?: number;
}

/**
 * @param attempt 1 for the first retry, 2 for the second, …
 * @param random a source in [0, 1); inject a constant for deterministic tests. Default Math.random.
 * @returns a whole number of ms in [0, min(maxMs, baseMs × factor^(attempt−1))].
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  validate(attempt, options);
  const factor = options.factor ?? 2;
  // factor ** n overflows to Infinity for large attempts; Math.min keeps the cap exact.
  const ceilingMs = Math.min(options.maxMs, options.baseMs * factor ** (attempt - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceilingMs);
}

function validate(attempt: number, { baseMs, maxMs, factor = 2 }: BackoffOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(attempt) || attempt < 1) problems.push(`attempt: expected an integer >= 1, got ${attempt}`);
  if (!Number.isFinite(baseMs) || baseMs < 0) problems.push(`baseMs: expected a number >= 0, got ${baseMs}`);
  if (!Number.isFinite(maxMs) || maxMs < baseMs) problems.push(`maxMs: expected a number >= baseMs (${baseMs}), got ${maxMs}`);
  if (!Number.isFinite(factor) || factor < 1) problems.push(`factor: expected a number >= 1, got ${factor}`);
  if (problems.length > 0) throw new RelsyncError(ErrorCodes.INVALID_OPTION, `backoffDelayMs: ${problems.join('; ')}`);
}
