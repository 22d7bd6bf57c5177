import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator, ScriptedFault } from '../../src/simulator/index.js';
import { closeSimulators, startTestSimulator } from '../helpers/simulator.js';
import { mintToken, pagePut } from './simulator-helpers.js';

afterEach(closeSimulators);

const entry = [{ External_Deal_ID: 'extdeal3' }];

/** A simulator and a token, the simulator's next calls answered with `faults` in turn. */
async function scripted(faults: readonly ScriptedFault[]): Promise<{ sim: RunningSimulator; token: string }> {
  const sim = await startTestSimulator();
  const token = await mintToken(sim);
  sim.enqueueFaults(faults);
  return { sim, token };
}

/** The status of a call, or 'dropped' when the connection was destroyed without a response. */
async function outcome(sim: RunningSimulator, token: string): Promise<number | 'dropped'> {
  try {
    return (await pagePut(sim, token, entry)).status;
  } catch {
    return 'dropped';
  }
}

describe('simulator: faults', () => {
  it('scripted 500 answers INTERNAL_ERROR and 502/503 answer gateway pages, all before applying', async () => {
    const { sim, token } = await scripted(['500', '502', '503']);
    const internal = await pagePut(sim, token, entry);
    expect(internal.status).toBe(500);
    expect(internal.body).toEqual({ code: 'INTERNAL_ERROR', details: {}, message: 'Internal server error occurred.', status: 'error' });
    const badGateway = await pagePut(sim, token, entry);
    expect(badGateway.status).toBe(502);
    expect(badGateway.headers['content-type']).toBe('text/html');
    expect((await pagePut(sim, token, entry)).status).toBe(503);
    expect(sim.associations()).toEqual([]);
    expect(sim.counters).toMatchObject({ creditsUsed: 0, faults: { serverError: 3, reset: 0, lostResponse: 0 } });
    expect((await pagePut(sim, token, entry)).status).toBe(200);
  });

  it('a lost response (502 after applying) did change the associations; the retry finds the pair', async () => {
    const { sim, token } = await scripted(['lost-502']);
    const lost = await pagePut(sim, token, entry);
    expect(lost.status).toBe(502);
    expect(sim.associations()).toEqual([{ contactId: '111111000000085009', dealId: '111111000000094028', contactRoleId: null }]);
    const retry = await pagePut(sim, token, entry);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ data: [{ code: 'SUCCESS', message: 'relation updated' }] });
    expect(sim.counters.faults.lostResponse).toBe(1);
  });

  it('lost-reset applies and then drops the connection; reset drops it before applying', async () => {
    const { sim, token } = await scripted(['reset']);
    expect(await outcome(sim, token)).toBe('dropped');
    expect(sim.associations()).toEqual([]);
    sim.enqueueFaults(['lost-reset']);
    expect(await outcome(sim, token)).toBe('dropped');
    expect(sim.associations()).toHaveLength(1);
    expect(sim.counters).toMatchObject({ calls: 2, faults: { reset: 1, lostResponse: 1 }, byStatus: {} });
  });

  it('a scripted 429 refuses one call, counted under its cause', async () => {
    const { sim, token } = await scripted(['429', 'ok', '429-credits']);
    const first = await pagePut(sim, token, entry);
    expect(first.status).toBe(429);
    expect(first.body).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect((await pagePut(sim, token, entry)).status).toBe(200);
    expect((await pagePut(sim, token, entry)).status).toBe(429);
    expect(sim.counters.tooManyRequests).toEqual({ concurrency: 1, credits: 1 });
  });

  it('failRate 1 fails every call with 500, 502 or 503 and applies nothing', async () => {
    const sim = await startTestSimulator({ failRate: 1 });
    const token = await mintToken(sim);
    for (let i = 0; i < 10; i += 1) expect([500, 502, 503]).toContain(await outcome(sim, token));
    expect(sim.associations()).toEqual([]);
  });

  it('random faults repeat exactly for a seed, and can be turned on mid-run', async () => {
    const sequence = async (seed: number): Promise<(number | 'dropped')[]> => {
      const sim = await startTestSimulator({ seed });
      const token = await mintToken(sim);
      expect(await outcome(sim, token)).toBe(200);
      sim.setOptions({ failRate: 0.3, lostResponseRate: 0.2, resetRate: 0.2 });
      const outcomes: (number | 'dropped')[] = [];
      for (let i = 0; i < 30; i += 1) outcomes.push(await outcome(sim, token));
      return outcomes;
    };
    const first = await sequence(7);
    expect(await sequence(7)).toEqual(first);
    expect(first).toContain('dropped');
    expect(first.some((status) => status === 500 || status === 502 || status === 503)).toBe(true);
    expect(first).toContain(200);
  });

  it('refuses an unknown scripted fault by name', async () => {
    const sim = await startTestSimulator();
    expect(() => sim.enqueueFaults(['boom' as never])).toThrow(
      "faults[0]: expected one of ok, reset, 429, 429-concurrency, 429-credits, 500, 502, 503, lost-502, lost-reset, got \"boom\"",
    );
  });
});
