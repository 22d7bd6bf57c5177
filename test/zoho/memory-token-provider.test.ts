import { describe, expect, it } from 'vitest';
import { MemoryTokenProvider, type AccessToken } from '../../src/zoho/oauth-client.js';

const HOUR = 3_600_000;

/** A mint whose tokens live one hour from the injected clock; counts calls; can be told to fail. */
function scriptedMint(clock: { now: number }) {
  const state = { calls: 0, fail: false };
  const mint = async (): Promise<AccessToken> => {
    state.calls += 1;
    if (state.fail) throw Object.assign(new Error('Access Denied'), { code: 'ACCOUNTS_ERROR' });
    return { accessToken: `tok-${state.calls}`, apiDomain: 'https://www.zohoapis.com', expiresAtMs: clock.now + HOUR };
  };
  return { mint, state };
}

describe('MemoryTokenProvider', () => {
  it('single-flight: 10 concurrent getToken() calls share one mint', async () => {
    let release: (token: AccessToken) => void = () => undefined;
    let calls = 0;
    const mint = (): Promise<AccessToken> => {
      calls += 1;
      return new Promise((resolve) => {
        release = resolve;
      });
    };
    const provider = new MemoryTokenProvider({ mint });
    const pending = Array.from({ length: 10 }, () => provider.getToken());
    release({ accessToken: 'tok-1', apiDomain: 'https://www.zohoapis.com', expiresAtMs: Date.now() + HOUR });
    const tokens = await Promise.all(pending);
    expect(calls).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['tok-1']));
    expect((await provider.getToken()).accessToken).toBe('tok-1');
    expect(calls).toBe(1);
  });

  it('refreshes ahead of expiry with an injected clock (default 5 min)', async () => {
    const clock = { now: 0 };
    const { mint, state } = scriptedMint(clock);
    const provider = new MemoryTokenProvider({ mint, now: () => clock.now });
    expect((await provider.getToken()).accessToken).toBe('tok-1');
    clock.now = HOUR - 5 * 60_000 - 1;
    expect((await provider.getToken()).accessToken).toBe('tok-1');
    clock.now = HOUR - 5 * 60_000;
    expect((await provider.getToken()).accessToken).toBe('tok-2');
    expect(state.calls).toBe(2);
  });

  it('keeps serving a still-valid token when an early refresh fails, and cools down before minting again', async () => {
    const clock = { now: 0 };
    const { mint, state } = scriptedMint(clock);
    const provider = new MemoryTokenProvider({ mint, refreshAheadMs: 60_000, now: () => clock.now });
    await provider.getToken();
    state.fail = true;
    clock.now = HOUR - 50_000;
    expect((await provider.getToken()).accessToken).toBe('tok-1');
    expect((await provider.getToken()).accessToken).toBe('tok-1');
    expect(state.calls).toBe(2);
    clock.now = HOUR - 4_000;
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'ACCOUNTS_ERROR' });
  });

  it('invalidate drops only the current token', async () => {
    const clock = { now: 0 };
    const { mint, state } = scriptedMint(clock);
    const provider = new MemoryTokenProvider({ mint, now: () => clock.now });
    await provider.getToken();
    await provider.invalidate('tok-0-stale');
    expect((await provider.getToken()).accessToken).toBe('tok-1');
    await provider.invalidate('tok-1');
    expect((await provider.getToken()).accessToken).toBe('tok-2');
    await provider.invalidate('tok-1');
    expect((await provider.getToken()).accessToken).toBe('tok-2');
    expect(state.calls).toBe(2);
  });

  it('a failed mint is not cached: the next call tries again', async () => {
    const clock = { now: 0 };
    const { mint, state } = scriptedMint(clock);
    const provider = new MemoryTokenProvider({ mint, now: () => clock.now });
    state.fail = true;
    await expect(provider.getToken()).rejects.toThrow('Access Denied');
    state.fail = false;
    expect((await provider.getToken()).accessToken).toBe('tok-2');
  });

  it('validates its options', () => {
    expect(() => new MemoryTokenProvider({ mint: async () => ({ accessToken: '', apiDomain: '', expiresAtMs: 0 }), refreshAheadMs: -1 })).toThrow(
      'MemoryTokenProvider: refreshAheadMs: expected a number >= 0 (ms), got -1',
    );
  });
});
