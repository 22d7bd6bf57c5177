/**
 * Zoho's limits and faults, for real: the simulator answers 429s, 500s, lost responses, expiring
 * tokens, a refused refresh token and exhausted credits; the run ledger and the simulator are the oracle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/cleanup.js';
import { startHarness } from '../helpers/harness.js';
import { associationsOf, writePairs } from '../helpers/pairs.js';
import { eventually } from '../helpers/eventually.js';
import { closeSimulators, startTestSimulator } from '../helpers/simulator.js';

describe('Zoho limits and faults', () => {
  const closeAfter = useCleanup();
  afterEach(async () => {
    await closeSimulators();
  });

  it('rides out a 429 storm by backing off the whole queue, without spending attempts', async () => {
    // We allow 6 calls in flight, the org only 2: Zoho answers 429 to the surplus.
    const h = closeAfter(await startHarness({ sim: { concurrency: 2, latencyMs: 40 }, env: { ZOHO_CONCURRENCY: '6', RELSYNC_MAX_ATTEMPTS: '2' } }));
    const file = await writePairs(h.sim, h.dir, 60, 2);
    const record = await h.waitDone(await h.importFile(file.path));
    expect(h.sim.counters.tooManyRequests.concurrency).toBeGreaterThan(0);
    expect(record).toMatchObject({ state: 'done', success: file.rows, error: 0 });
    expect(record.rateLimited).toBe(h.sim.counters.tooManyRequests.concurrency);
    expect(associationsOf(h.sim)).toEqual(file.associations);
  });

  it('finishes every row exactly once through expiring tokens, 500s, lost responses and a low cap, never over the cap, without a denied mint', async () => {
    const h = closeAfter(await startHarness({
      sim: { concurrency: 3, latencyMs: 30, jitterMs: 10, tokenTtlS: 1.5, failRate: 0.1, lostResponseRate: 0.1 },
      env: { ZOHO_CONCURRENCY: '3', RELSYNC_MAX_ATTEMPTS: '12' },
    }));
    const file = await writePairs(h.sim, h.dir, 150, 3);
    const record = await h.waitDone(await h.importFile(file.path));
    const counters = h.sim.counters;
    expect(record).toMatchObject({ state: 'done', success: file.rows, error: 0, skipped: 0 });
    expect(await h.runtime.ledger.countOutcomes(record.id)).toBe(file.rows);
    expect(associationsOf(h.sim)).toEqual(file.associations);
    expect(counters.maxInFlight).toBeLessThanOrEqual(3);
    expect(counters.tooManyRequests).toEqual({ concurrency: 0, credits: 0 });
    expect(counters.mintsDenied).toBe(0);
    expect(counters.tokensMinted).toBeGreaterThan(1); // the token really expired mid-run
    expect(counters.faults.lostResponse).toBeGreaterThan(0); // writes applied but unanswered were retried
    expect(counters.faults.serverError).toBeGreaterThan(0);
  });

  it('pauses the import with a clear reason when the accounts server refuses the refresh token, and resumes once it is accepted', async () => {
    const h = closeAfter(await startHarness({ env: { ZOHO_REFRESH_TOKEN: 'revoked-refresh-token', RELSYNC_PAUSE_PROBE_MS: '300' } }));
    const file = await writePairs(h.sim, h.dir, 5, 2);
    const importId = await h.importFile(file.path);
    const paused = await eventually('a paused import', async () => {
      const r = await h.runtime.ledger.getImport(importId);
      return r?.pausedReason ? r : undefined;
    });
    expect(paused.pausedReason).toMatch(/invalid_code/);
    expect(paused.pausedReason).not.toContain('revoked-refresh-token');
    expect(paused).toMatchObject({ error: 0, success: 0 });
    h.sim.setOptions({ refreshToken: 'revoked-refresh-token' }); // the operator fixes it on Zoho's side
    const record = await h.waitDone(importId);
    expect(record).toMatchObject({ state: 'done', success: file.rows, error: 0 });
    expect(record.pausedReason).toBeUndefined();
  });

  it('pauses at the ZOHO_DAILY_CREDITS budget, says until when, and resumes as the window frees', async () => {
    const h = closeAfter(await startHarness({ env: { ZOHO_DAILY_CREDITS: '4', RELSYNC_CREDIT_WINDOW_MS: '2000', RELSYNC_PAUSE_PROBE_MS: '200', ZOHO_CONCURRENCY: '2' } }));
    const file = await writePairs(h.sim, h.dir, 10, 1);
    const importId = await h.importFile(file.path);
    const paused = await eventually('a paused import', async () => {
      const r = await h.runtime.ledger.getImport(importId);
      return r?.pausedReason ? r : undefined;
    });
    expect(paused.pausedReason).toMatch(/ZOHO_DAILY_CREDITS budget of 4 credits per 24 h is used up; the next credit frees at \d{4}-/);
    expect(paused.pausedUntil).toBeGreaterThan(Date.now() - 5_000);
    const record = await h.waitDone(importId);
    expect(record).toMatchObject({ state: 'done', success: 10, error: 0, calls: 10 });
    expect(h.sim.counters.calls).toBe(10);
  });

  it("waits out Zoho's own credit 429 the same way", async () => {
    const h = closeAfter(await startHarness({ sim: { credits: 3, creditWindowMs: 1_500 }, env: { RELSYNC_PAUSE_PROBE_MS: '300', ZOHO_CONCURRENCY: '1' } }));
    const file = await writePairs(h.sim, h.dir, 6, 1);
    const importId = await h.importFile(file.path);
    const paused = await eventually('a paused import', async () => {
      const r = await h.runtime.ledger.getImport(importId);
      return r?.pausedReason ? r : undefined;
    });
    expect(paused.pausedReason).toMatch(/credits exhausted \(429\)/);
    const record = await h.waitDone(importId);
    expect(record).toMatchObject({ state: 'done', success: 6, error: 0 });
    expect(h.sim.counters.tooManyRequests.credits).toBeGreaterThan(0);
  });

  it('counts a duplicate answer to a re-sent call (first answer lost) as success, but not on a first attempt', async () => {
    // Zoho's answer to a pair that already exists is undocumented; here it refuses with DUPLICATE_DATA.
    const h = closeAfter(await startHarness({ sim: { repeatMessage: 'DUPLICATE_DATA' }, env: { ZOHO_CONCURRENCY: '1' } })); // calls in batch order
    const before = await writePairs(h.sim, h.dir, 1, 1, 'before.csv');
    expect(await h.waitDone(await h.importFile(before.path))).toMatchObject({ success: 1 });
    const file = await writePairs(h.sim, h.dir, 3, 1, 'after.csv'); // row 1 is the pair imported above
    h.sim.enqueueFaults(['ok', 'lost-502']); // the second call is applied, then its answer is lost
    const record = await h.waitDone(await h.importFile(file.path));
    const report = await h.readReport(record.reportPath!);
    expect(report.map((l) => [l._status, l._code])).toEqual([['error', 'DUPLICATE_DATA'], ['success', 'SUCCESS'], ['success', 'SUCCESS']]);
    expect(report[1]!._message).toMatch(/^already associated: Zoho answered DUPLICATE_DATA to a re-sent call/);
    expect(associationsOf(h.sim)).toEqual(file.associations);
  });

  it('fails the import with the reason after one fresh token when the API is another data centre\'s, without minting again', async () => {
    const otherDataCentre = await startTestSimulator(); // its API knows none of the tokens our accounts server issues
    const h = closeAfter(await startHarness({ env: { ZOHO_API_DOMAIN: otherDataCentre.url, ZOHO_CONCURRENCY: '4', RELSYNC_PAUSE_PROBE_MS: '200' } }));
    const file = await writePairs(h.sim, h.dir, 30, 2);
    const record = await h.waitDone(await h.importFile(file.path));
    const reason = `Zoho API ${otherDataCentre.url} refused a fresh token (INVALID_TOKEN): wrong data centre; check ZOHO_API_DOMAIN and ZOHO_DC`;
    expect(record).toMatchObject({ state: 'failed', failedReason: reason, success: 0, error: file.rows, retries: 0 });
    expect(h.sim.counters).toMatchObject({ tokensMinted: 2, mintsDenied: 0 }); // the first token, then one fresh token
    expect(otherDataCentre.counters.calls).toBeLessThanOrEqual(2 * 4); // at most the calls in flight, each sent twice
    const report = await h.readReport(record.reportPath!);
    expect(new Set(report.map((line) => `${line._status} ${line._code} ${line._message}`))).toEqual(new Set([`error IMPORT_FAILED ${reason}`]));
  });
});
