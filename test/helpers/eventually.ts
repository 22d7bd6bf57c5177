/**
 * The one way a test waits for something it cannot be told about: poll a condition with a deadline
 * (STYLE: never a fixed sleep).
 */

export interface EventuallyOptions {
  /** Give up after this long, in ms. Default 30_000 (tests time out at 60 s). */
  timeoutMs?: number;
  /** Pause between two checks, in ms. Default 50. */
  everyMs?: number;
}

/**
 * Poll `check` until it returns an answer and resolve with it; `undefined`, `null` and `false` mean
 * "not yet" (so a check can return the value it found). Fails naming `what` after `timeoutMs`.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: EventuallyOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, everyMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
