/**
 * A throttled mint, for real: the simulator's accounts server refuses the mint (HTTP 400, in Chinese),
 * several workers share one token through the run's Redis, and one injected clock drives the
 * simulator's mint window and the workers. The simulator's token requests are the oracle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { AccountsError, OAuthClient } from '../../src/zoho/oauth-client.js';
import { SharedTokenProvider } from '../../src/zoho/shared-token-provider.js';
import { testPrefix, useRedis } from '../helpers/redis.js';
import { closeSimulators, startTestSimulator } from '../helpers/simulator.js';
import { manualClock } from '../simulator/simulator-helpers.js';

const MINUTE = 60_000;

afterEach(closeSimulators);

describe('a throttled token mint', () => {
  const redis = useRedis('each');

  /** `count` workers sharing one token in Redis, minting from `sim`'s accounts server. */
  function workers(sim: RunningSimulator, now: () => number, count: number): SharedTokenProvider[] {
    const prefix = testPrefix();
    const oauth = new OAuthClient({ accountsUrl: sim.url, clientId: 'client', clientSecret: 'client-secret', refreshToken: sim.options.refreshToken, now });
    return Array.from({ length: count }, () => new SharedTokenProvider({ redis: redis.client(), prefix, credentialsId: 'client:secret:refresh', mint: () => oauth.mint(), pollMs: 10, now }));
  }

  /** Every worker asks at once; the answers, as tokens or errors. */
  const askAll = (all: SharedTokenProvider[]) => Promise.all(all.map((w) => w.getToken().catch((error: unknown) => error)));

  it('is not asked again for ten minutes by any worker, then exactly one worker probes', async () => {
    const clock = manualClock();
    // Zoho's block outlasts its own ten minutes here (practitioners report 15-30): the first probe is refused too.
    const sim = await startTestSimulator({ mintLimit: 1, mintWindowMs: 15 * MINUTE, mintDeniedLanguage: 'zh', now: clock.now });
    const [first, ...others] = workers(sim, clock.now, 4);
    const all = [first!, ...others];

    const token = await first!.getToken();
    await first!.invalidate(token.accessToken); // the API refused it: a new one is needed
    const throttled = await first!.getToken().catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(AccountsError);
    expect(throttled).toMatchObject({ throttled: true, zohoError: '拒绝访问' });
    expect((throttled as Error).message).toBe(`Zoho throttles token requests (10 per 10 minutes); next try ${new Date(clock.now() + 10 * MINUTE).toISOString().replace('.000Z', 'Z')}`);
    expect(sim.counters).toMatchObject({ tokenRequests: 2, tokensMinted: 1, mintsDenied: 1 });

    for (let minute = 1; minute < 10; minute += 1) {
      clock.advance(MINUTE);
      for (const answer of await askAll(all)) expect(answer).toMatchObject({ code: 'ACCOUNTS_ERROR', throttled: true });
    }
    expect(sim.counters.tokenRequests).toBe(2); // nobody asked during the ten minutes

    clock.advance(MINUTE); // ten minutes after the refusal: one probe, refused again
    for (const answer of await askAll(all)) expect(answer).toMatchObject({ throttled: true });
    expect(sim.counters).toMatchObject({ tokenRequests: 3, mintsDenied: 2 });

    clock.advance(9 * MINUTE);
    await askAll(all);
    expect(sim.counters.tokenRequests).toBe(3);

    clock.advance(MINUTE); // the next probe gets a token, and every worker shares it
    const tokens = await askAll(all);
    expect(sim.counters).toMatchObject({ tokenRequests: 4, tokensMinted: 2 });
    expect(new Set(tokens.map((t) => (t as { accessToken?: string }).accessToken))).toEqual(new Set([sim.mintedTokens()[1]]));
  });

  it('still serves the token in hand while minting is blocked, until it expires', async () => {
    const clock = manualClock();
    const sim = await startTestSimulator({ mintLimit: 1, mintWindowMs: 30 * MINUTE, tokenTtlS: 20 * 60, now: clock.now });
    const [a, b] = workers(sim, clock.now, 2);
    const token = await a!.getToken();
    clock.advance(16 * MINUTE); // inside the five minutes before expiry: due for an early refresh
    expect(await b!.getToken()).toMatchObject({ accessToken: token.accessToken }); // the refresh was throttled
    expect(sim.counters).toMatchObject({ tokenRequests: 2, mintsDenied: 1 });
    expect(await a!.getToken()).toMatchObject({ accessToken: token.accessToken });
    expect(sim.counters.tokenRequests).toBe(2);
    clock.advance(4 * MINUTE); // expired now, and still blocked
    expect(await a!.getToken().catch((error: unknown) => error)).toMatchObject({ throttled: true });
    expect(sim.counters.tokenRequests).toBe(2);
  });
});
