/** Redis-backed limits of the Zoho edge on a real Redis: the access token all workers share, and the credit budget. */
import { describe, expect, it } from 'vitest';
import { CreditBudget } from '../../src/zoho/credit-budget.js';
import { SharedTokenProvider } from '../../src/zoho/shared-token-provider.js';
import type { AccessToken } from '../../src/zoho/oauth-client.js';
import { testPrefix, useRedis } from '../helpers/redis.js';

describe('shared Redis state', () => {
  const redis = useRedis('each');

  it('lets twenty workers starting together mint one token', async () => {
    let mints = 0;
    const mint = async (): Promise<AccessToken> => {
      mints += 1;
      await new Promise((resolve) => setTimeout(resolve, 100)); // the accounts server takes a while
      return { accessToken: `token-${mints}`, apiDomain: 'https://api.example', expiresAtMs: Date.now() + 3_600_000 };
    };
    const p = testPrefix();
    const workers = Array.from({ length: 20 }, () => new SharedTokenProvider({ redis: redis.client(), prefix: p, credentialsId: 'client:refresh', mint, pollMs: 20 }));
    const tokens = await Promise.all(workers.flatMap((w) => [w.getToken(), w.getToken()]));
    expect(mints).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['token-1']));
  });

  it('refreshes once after the API refused the token, and only if it is still the current one', async () => {
    let mints = 0;
    const mint = async (): Promise<AccessToken> => ({ accessToken: `token-${++mints}`, apiDomain: 'x', expiresAtMs: Date.now() + 3_600_000 });
    const p = testPrefix();
    const [a, b] = [new SharedTokenProvider({ redis: redis.client(), prefix: p, credentialsId: 'c', mint }), new SharedTokenProvider({ redis: redis.client(), prefix: p, credentialsId: 'c', mint })];
    const first = await a.getToken();
    await a.invalidate(first.accessToken);
    await b.invalidate(first.accessToken); // a second report of the same dead token changes nothing
    expect((await b.getToken()).accessToken).toBe('token-2');
    expect((await a.getToken()).accessToken).toBe('token-2');
    expect(mints).toBe(2);
  });

  it('refreshes ahead of expiry: a quarter of a short lifetime, at most five minutes', async () => {
    let now = 1_000_000;
    let mints = 0;
    const mint = async (): Promise<AccessToken> => ({ accessToken: `t${++mints}`, apiDomain: 'x', expiresAtMs: now + 8_000 });
    const provider = new SharedTokenProvider({ redis: redis.client(), prefix: testPrefix(), credentialsId: 'c', mint, now: () => now });
    expect((await provider.getToken()).accessToken).toBe('t1');
    now += 5_900; // 2.1 s left of 8 s: still fresh (refresh when under 2 s)
    expect((await provider.getToken()).accessToken).toBe('t1');
    now += 200;
    expect((await provider.getToken()).accessToken).toBe('t2');
  });

  it('remembers a failed mint briefly so other workers fail fast instead of minting again', async () => {
    let mints = 0;
    const mint = async (): Promise<AccessToken> => {
      mints += 1;
      throw Object.assign(new Error('the accounts server answered invalid_code'), { code: 'ACCOUNTS_ERROR', isRetryable: false });
    };
    const p = testPrefix();
    const a = new SharedTokenProvider({ redis: redis.client(), prefix: p, credentialsId: 'c', mint });
    const b = new SharedTokenProvider({ redis: redis.client(), prefix: p, credentialsId: 'c', mint });
    await expect(a.getToken()).rejects.toThrow('invalid_code');
    await expect(b.getToken()).rejects.toMatchObject({ code: 'ACCOUNTS_ERROR', message: 'the accounts server answered invalid_code' });
    expect(mints).toBe(1);
  });

  it('keeps a credit budget over a rolling window shared by every worker, and says when the next credit frees', async () => {
    let now = 10_000_000;
    const p = testPrefix();
    const budgets = [0, 1].map(() => new CreditBudget({ redis: redis.client(), prefix: p, limit: 3, windowMs: 60_000, now: () => now }));
    const takes = await Promise.all([0, 1, 2, 3, 4].map((i) => budgets[i % 2]!.tryTake()));
    expect(takes.filter((t) => t.ok)).toHaveLength(3);
    const refused = takes.find((t) => !t.ok)!;
    expect(refused).toMatchObject({ ok: false, used: 3 });
    expect(refused.ok ? 0 : refused.retryAtMs).toBeGreaterThanOrEqual(now + 60_000);
    now += 61_001; // the window has moved past the first spends
    expect(await budgets[0]!.tryTake()).toMatchObject({ ok: true, used: 1 });
  });
});
