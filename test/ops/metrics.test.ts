/**
 * /metrics of a real worker runtime, scraped over HTTP after imports with known outcomes against the
 * simulator with scripted faults. The oracles are the reports (rows by status and code) and the
 * simulator's own counters (calls, 429s by cause, mints and denied mints), never relsync's metrics.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registrationFor } from '../../src/app/queues.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { eventually } from '../helpers/eventually.js';
import { sampleSum, scrape, type Sample } from '../helpers/metrics.js';
import { freePort } from '../helpers/redis-server.js';

const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role'];
/** Zoho sends X-API-CREDITS-REMAINING once half the credits are used: the first import uses more than half. */
const SIM_CREDITS = 50;

/** 25 contacts with 2 deals each (25 calls), two rows missing a value, a duplicate pair, two unknown deals. */
function mixedRows(h: Harness): string[][] {
  const contacts = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID));
  const deals = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
  const rows: string[][] = [];
  for (let i = 0; i < 25; i += 1) for (let k = 0; k < 2; k += 1) rows.push([contacts[i]!.External_Contact_ID, deals[i * 2 + k]!.External_Deal_ID, '']);
  rows.push([contacts[0]!.External_Contact_ID, '', '']);
  rows.push(['', deals[0]!.External_Deal_ID, '']);
  rows.push([contacts[1]!.External_Contact_ID, deals[2]!.External_Deal_ID, '']); // same pair as row 3: row 3 is skipped
  rows.push([contacts[2]!.External_Contact_ID, 'D-NOPE-1', '']);
  rows.push([contacts[3]!.External_Contact_ID, 'D-NOPE-2', '']);
  return rows;
}

/** status|code → rows, read from the report files. */
async function reportCounts(h: Harness, reportPaths: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const path of reportPaths) {
    for (const line of await h.readReport(path)) counts[`${line._status}|${line._code}`] = (counts[`${line._status}|${line._code}`] ?? 0) + 1;
  }
  return counts;
}

function rowCounters(samples: readonly Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples.filter((x) => x.name === 'relsync_rows_total')) counts[`${s.labels.status}|${s.labels.code}`] = s.value;
  return counts;
}

describe('metrics', () => {
  let h: Harness;
  let url: string;
  beforeEach(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    h = await startHarness({ env: { RELSYNC_METRICS_PORT: String(port), RELSYNC_PAUSE_PROBE_MS: '100' }, sim: { credits: SIM_CREDITS, mintLimit: 1 } });
  });
  afterEach(async () => {
    await h.close();
  });

  it('after imports with known outcomes, counts rows as the reports do, and calls, 429s and mints as the simulator saw them', async () => {
    // First import: a concurrency 429, a 500, a credits 429 and two lost answers on the way.
    h.sim.enqueueFaults(['429-concurrency', '500', '429-credits', 'lost-reset', 'reset']);
    const first = await h.waitDone(await h.importFile(await h.writeCsv('mixed.csv', [HEADER, ...mixedRows(h)])));
    expect(first).toMatchObject({ state: 'done', success: 50, error: 4, skipped: 1 });

    // Second import: the token dies, and the accounts server denies the new mint (1 mint per window)
    // until the window is widened; its single call is the last exchange, carrying X-API-CREDITS-REMAINING.
    h.sim.expireTokens();
    const contact = h.sim.dataset.contacts.find((c) => c.External_Contact_ID === 'C-0100')!;
    const deal = h.sim.dataset.deals.find((d) => d.External_Deal_ID === 'D-0100')!;
    const secondId = await h.importFile(await h.writeCsv('one.csv', [HEADER, [contact.External_Contact_ID, deal.External_Deal_ID, '']]));
    await eventually('a denied mint', () => h.sim.counters.mintsDenied >= 1);
    // After a throttle no worker mints for ten minutes (zoho/shared-token-provider.ts): let them pass.
    h.sim.setOptions({ mintLimit: 10 });
    const redis = new Redis(h.config.redisUrl);
    for (const key of await redis.keys(`${h.config.prefix}:oauth:*:failure`)) await redis.del(key);
    await redis.quit();
    const second = await h.waitDone(secondId);
    expect(second).toMatchObject({ state: 'done', success: 1 });

    const samples = await scrape(url);
    const sim = h.sim.counters;
    expect(rowCounters(samples)).toEqual(await reportCounts(h, [first.reportPath!, second.reportPath!]));
    expect(sampleSum(samples, 'relsync_zoho_calls_total')).toBe(sim.calls);
    expect(sampleSum(samples, 'relsync_zoho_rate_limited_total', { cause: 'concurrency' })).toBe(sim.tooManyRequests.concurrency);
    expect(sampleSum(samples, 'relsync_zoho_rate_limited_total', { cause: 'credits' })).toBe(sim.tooManyRequests.credits);
    expect(sampleSum(samples, 'relsync_zoho_calls_total', { outcome: 'rate_limited' })).toBe(sim.tooManyRequests.concurrency + sim.tooManyRequests.credits);
    expect(sampleSum(samples, 'relsync_zoho_calls_total', { outcome: 'server_error' })).toBe(sim.byStatus['500']);
    expect(sampleSum(samples, 'relsync_zoho_calls_total', { outcome: 'token_invalid' })).toBe(sim.byStatus['401']);
    expect(sampleSum(samples, 'relsync_zoho_calls_total', { outcome: 'lost_answer' })).toBe(sim.faults.reset + sim.faults.lostResponse);
    // Calls with results: 2 carry the unknown deals' entries.
    expect(sampleSum(samples, 'relsync_zoho_calls_total', { outcome: 'entry_error' })).toBe(2);
    // Entries in the answers that came back: the simulator also counts those of the answer it lost.
    expect(sampleSum(samples, 'relsync_zoho_entries_total', { status: 'success' })).toBe(first.success + second.success);
    expect(sampleSum(samples, 'relsync_zoho_entries_total', { status: 'error' })).toBe(2);
    expect(sim.entries.success).toBe(first.success + second.success + 2);
    expect(sampleSum(samples, 'relsync_zoho_token_mints_total', { result: 'minted' })).toBe(sim.tokensMinted);
    expect(sampleSum(samples, 'relsync_zoho_token_mints_total', { result: 'denied' })).toBe(sim.mintsDenied);
    expect(sim.mintsDenied).toBeGreaterThanOrEqual(1);
    expect(sampleSum(samples, 'relsync_zoho_credits_remaining')).toBe(SIM_CREDITS - sim.creditsUsed);

    expect(sampleSum(samples, 'relsync_import_duration_seconds_count', { outcome: 'done_with_errors' })).toBe(1);
    expect(sampleSum(samples, 'relsync_import_duration_seconds_count', { outcome: 'done' })).toBe(1);
    expect(sampleSum(samples, 'relsync_zoho_concurrency_max')).toBe(10);
    // The governor cut the shared limit after the concurrency 429: the gauge reads it from Redis.
    expect(sampleSum(samples, 'relsync_zoho_concurrency_limit')).toBe(await h.runtime.queues.sync.getGlobalConcurrency());
    expect(sampleSum(samples, 'relsync_zoho_concurrency_limit')).toBeLessThan(10);
    expect(sampleSum(samples, 'relsync_zoho_calls_in_flight')).toBe(0);
  });

  it('counts the UNCHANGED rows of an incremental re-import (recorded as marks, not one by one) as its report does', async () => {
    const rows = mixedRows(h);
    const file = await h.writeCsv('mixed.csv', [HEADER, ...rows]);
    const first = await h.waitDone(await h.importFile(file));
    const { importId } = await registerImport(registrationFor(h.config, h.runtime), { file: await h.writeCsv('again.csv', [HEADER, ...rows]), profile: 'contacts-deals', origin: 'cli', cwd: h.dir, incremental: true });
    const second = await h.waitDone(importId);
    // The 50 rows that succeeded are unchanged; the rest fail or are skipped again.
    expect(second).toMatchObject({ state: 'done', skipped: 51 });
    const reports = await reportCounts(h, [first.reportPath!, second.reportPath!]);
    expect(reports['skipped|UNCHANGED']).toBe(50);
    expect(rowCounters(await scrape(url))).toEqual(reports);
  });

  it('reads queue depths from BullMQ on scrape, for every queue and state, with no import or external id in any label', async () => {
    await h.runtime.queues.sync.pause();
    const file = await h.writeCsv('pairs.csv', [HEADER, ...mixedRows(h)]);
    const id = await h.importFile(file);
    await eventually('ingest to queue its sync jobs', async () => (await h.runtime.ledger.getImport(id))?.state === 'syncing');
    const samples = await scrape(url);
    // 25 calls, one per job (callsPerJob), all waiting on the paused queue.
    expect((await h.runtime.ledger.getImport(id))?.plannedCalls).toBe(25);
    // Sync jobs carry a priority (fairness between imports): BullMQ counts them as prioritized.
    expect(sampleSum(samples, 'relsync_queue_jobs', { queue: 'sync', state: 'prioritized' })).toBe(25);
    expect(sampleSum(samples, 'relsync_queue_jobs', { queue: 'sync', state: 'active' })).toBe(0);
    expect(sampleSum(samples, 'relsync_queue_jobs', { queue: 'imports', state: 'waiting-children' })).toBe(1);
    expect(sampleSum(samples, 'relsync_queue_jobs', { queue: 'webhooks', state: 'waiting' })).toBe(0);
    await h.runtime.queues.sync.resume();
    await h.waitDone(id);

    const all = await scrape(url);
    const labelValues = all.flatMap((s) => Object.values(s.labels));
    const ids = [id, ...h.sim.dataset.contacts.slice(0, 30).map((c) => c.External_Contact_ID), 'D-0001'];
    expect(labelValues.filter((value) => ids.some((x) => value.includes(x)))).toEqual([]);
    expect(all.filter((s) => !s.name.startsWith('relsync_'))).toEqual([]);
  });
});
