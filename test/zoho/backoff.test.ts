import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/zoho/backoff.js';

const options = { baseMs: 100, maxMs: 5_000 };
const almostOne = (): number => 0.999_999;

describe('backoffDelayMs', () => {
  it('stays within [0, ceiling] for any random value', () => {
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      for (const r of [0, 0.25, 0.5, 0.999_999]) {
        const delay = backoffDelayMs(attempt, options, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.min(5_000, 100 * 2 ** (attempt - 1)));
        expect(Number.isInteger(delay)).toBe(true);
      }
    }
  });

  it('grows exponentially with the attempt (full jitter: ceiling × random)', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, options, almostOne));
    expect(delays).toEqual([99, 199, 399, 799, 1599]);
    expect(backoffDelayMs(3, { baseMs: 100, maxMs: 10_000, factor: 3 }, almostOne)).toBe(899);
  });

  it('never exceeds maxMs, even for huge attempts', () => {
    expect(backoffDelayMs(7, options, almostOne)).toBe(4_999);
    expect(backoffDelayMs(5_000, options, almostOne)).toBe(4_999);
  });

  it('is deterministic with an injected random source', () => {
    expect(backoffDelayMs(3, options, () => 0.5)).toBe(200);
    expect(backoffDelayMs(3, options, () => 0.5)).toBe(backoffDelayMs(3, options, () => 0.5));
    expect(backoffDelayMs(3, options, () => 0)).toBe(0);
  });

  it('uses Math.random by default and stays in bounds', () => {
    const delay = backoffDelayMs(2, options);
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(200);
  });

  it('rejects invalid options with INVALID_OPTION naming each problem', () => {
    expect(() => backoffDelayMs(0, options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => backoffDelayMs(1, { baseMs: 100, maxMs: 50, factor: 0.5 })).toThrow(/maxMs: expected .* got 50; factor: expected a number >= 1, got 0.5/);
  });
});
