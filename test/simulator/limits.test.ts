import { afterEach, describe, expect, it } from 'vitest';
import { closeSimulators, dealId, startTestSimulator } from '../helpers/simulator.js';
import { crm, manualClock, mintToken, PAGE_HEADER, pagePut } from './simulator-helpers.js';

afterEach(closeSimulators);

describe('simulator: concurrency cap', () => {
  it('N+1 overlapping calls against cap N: exactly one 429 TOO_MANY_REQUESTS, and it applied nothing', async () => {
    const sim = await startTestSimulator({ concurrency: 3, latencyMs: 300 });
    const token = await mintToken(sim);
    const deals = ['D-0001', 'D-0002', 'D-0003', 'D-0004'];
    const replies = await Promise.all(deals.map((deal) => pagePut(sim, token, [{ External_Deal_ID: deal }])));

    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refusedIndex = replies.findIndex((reply) => reply.status === 429);
    const refused = replies[refusedIndex];
    expect(refused?.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', details: {}, status: 'error', message: expect.stringContaining('concurrency') });
    expect(refused?.headers['retry-after']).toBeUndefined();
    expect(sim.counters).toMatchObject({ calls: 4, inFlight: 0, maxInFlight: 3, tooManyRequests: { concurrency: 1, credits: 0 }, creditsUsed: 3 });

    const refusedDeal = deals[refusedIndex] ?? '';
    expect(sim.associations().map((a) => a.dealId)).not.toContain(dealId(sim, refusedDeal));
    expect(sim.associations()).toHaveLength(3);

    // The slots are free again once the responses are written.
    expect((await pagePut(sim, token, [{ External_Deal_ID: refusedDeal }])).status).toBe(200);
  });

  it('setOptions changes the cap while running', async () => {
    const sim = await startTestSimulator({ concurrency: 1, latencyMs: 200 });
    const token = await mintToken(sim);
    sim.setOptions({ concurrency: 2 });
    const replies = await Promise.all(['D-0001', 'D-0002'].map((deal) => pagePut(sim, token, [{ External_Deal_ID: deal }])));
    expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
    expect(sim.counters.maxInFlight).toBe(2);
  });
});

describe('simulator: limits on reads and delinks', () => {
  it('GETs and DELETEs take concurrency slots and credits like PUTs, and are counted by method', async () => {
    const sim = await startTestSimulator({ concurrency: 2, latencyMs: 300 });
    const token = await mintToken(sim);
    await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3' }]);
    sim.resetCounters();
    const read = () => crm(sim, '/crm/v8/Contacts/extcontact3/Deals?fields=Deal_Name', { method: 'GET', token, external: PAGE_HEADER });
    const delink = () => crm(sim, '/crm/v8/Contacts/extcontact3/Deals?ids=D-0009', { method: 'DELETE', token, external: PAGE_HEADER });
    const replies = await Promise.all([read(), delink(), read()]);
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 400, 429]);
    expect(sim.counters).toMatchObject({ calls: 3, maxInFlight: 2, tooManyRequests: { concurrency: 1 }, creditsUsed: 2, byMethod: { GET: 2, DELETE: 1 } });
  });

  it('a GET is refused 429 when the credits are spent', async () => {
    const sim = await startTestSimulator({ credits: 1 });
    const token = await mintToken(sim);
    const path = '/crm/v8/Contacts/extcontact3/Deals?fields=Deal_Name';
    expect((await crm(sim, path, { method: 'GET', token, external: PAGE_HEADER })).status).toBe(204);
    const spent = await crm(sim, path, { method: 'GET', token, external: PAGE_HEADER });
    expect(spent.status).toBe(429);
    expect(spent.body).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
  });
});

describe('simulator: credits', () => {
  it('sends X-API-CREDITS-REMAINING from half the budget on, then 429 when spent, and frees spends after the window', async () => {
    const clock = manualClock();
    const sim = await startTestSimulator({ credits: 4, creditWindowMs: 60_000, now: clock.now });
    const token = await mintToken(sim);
    const remaining: (string | undefined)[] = [];
    for (let i = 0; i < 4; i += 1) {
      const reply = await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3' }]);
      expect(reply.status).toBe(200);
      remaining.push(reply.headers['x-api-credits-remaining'] as string | undefined);
      clock.advance(1000);
    }
    expect(remaining).toEqual([undefined, '2', '1', '0']);

    const spent = await pagePut(sim, token, [{ External_Deal_ID: 'D-0001' }]);
    expect(spent.status).toBe(429);
    expect(spent.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', status: 'error', message: expect.stringContaining('credit') });
    expect(spent.headers['x-api-credits-remaining']).toBe('0');
    expect(sim.counters).toMatchObject({ creditsUsed: 4, tooManyRequests: { concurrency: 0, credits: 1 } });
    expect(sim.associations()).toHaveLength(1);

    clock.advance(60_000 - 4000); // the first spend is now a full window old
    const freed = await pagePut(sim, token, [{ External_Deal_ID: 'D-0001' }]);
    expect(freed.status).toBe(200);
    expect(freed.headers['x-api-credits-remaining']).toBe('0');
  });

  it('charges creditsPerTenEntries per started block of 10 entries (docs/zoho.md#unknown-credit-cost-of-a-call, pessimistic reading)', async () => {
    const sim = await startTestSimulator({ deals: 30, creditsPerCall: 0, creditsPerTenEntries: 1 });
    const token = await mintToken(sim);
    const data = Array.from({ length: 21 }, (_, index) => ({ External_Deal_ID: `D-${String(index + 1).padStart(4, '0')}` }));
    expect((await pagePut(sim, token, data.slice(0, 20))).status).toBe(200);
    expect((await pagePut(sim, token, data)).status).toBe(200);
    expect(sim.counters.creditsUsed).toBe(2 + 3);
  });
});
