/**
 * What a test starts, closed after it whatever happened: `const closeAfter = useCleanup();` in the
 * describe block, then `const h = closeAfter(await startHarness())` or `closeAfter(() => server.stop())`.
 * Closers run newest first; every one runs even if an earlier one fails.
 */
import { afterEach } from 'vitest';

type Closable = { close(): Promise<unknown> } | { destroy(): Promise<unknown> } | (() => Promise<unknown>);

export function useCleanup(): <T extends Closable>(thing: T) => T {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });
  return (thing) => {
    if (typeof thing === 'function') closers.push(thing);
    else if ('close' in thing) closers.push(() => thing.close());
    else closers.push(() => thing.destroy());
    return thing;
  };
}
