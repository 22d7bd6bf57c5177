/**
 * `relsync dashboard`: Bull Board over the real queues on the run's private Redis, opened in a real
 * headless Chromium (Debian's chromium, found or installed by the test setup, driven by playwright-core). The assertions are taken
 * from the page as Bull Board 9 renders it: one card per queue, its name a link to `/queue/<name>`.
 * Every request the page makes is recorded: all must go to the board itself, none to the internet.
 * CSRF and the token are in dashboard-security.test.ts.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { JobName } from '../../jobs/queues.js';
import { packSyncCalls, type SyncCallsPayload } from '../../jobs/sync-calls.job.js';
import type { Queues } from '../../src/app/queues.js';
import { runDashboard } from '../../src/cli/commands/dashboard-command.js';
import { loadConfig } from '../../src/config/config.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/dashboard-server.js';
import { testPrefix } from '../helpers/redis.js';
import { actionHeaders, openBoardQueues, openBrowser, xsrfSession, type BoardQueues, type Browser } from './dashboard-helpers.js';

const deflatedJob: SyncCallsPayload = {
  importId: 'imp-dash', seq: 2,
  calls: [{ base: 'c3', entries: Array.from({ length: 100 }, (_, i) => ({ row: i + 1, related: `d${1_000 + i}`, fields: { Contact_Role: 'Décideur' } })) }],
};

describe('relsync dashboard', () => {
  const prefix = testPrefix('t-dash');
  let board: BoardQueues | undefined;
  let queues: Queues;
  let dashboard: RunningDashboard;
  let browser: Browser | undefined;
  let page: Page;
  /** Every URL the page asked for, and every console line about a blocked load. */
  const requested: string[] = [];
  const blocked: string[] = [];

  beforeAll(async () => {
    board = await openBoardQueues(prefix, 'imp-dash');
    queues = board.queues;
    await queues.sync.add(JobName.syncCalls, { importId: 'imp-dash', seq: 0, calls: [{ base: 'c1', entries: [{ row: 1, related: 'd1' }] }] }, { jobId: 'imp-dash-b0' });
    await queues.sync.add(JobName.syncCalls, { importId: 'imp-dash', seq: 1, calls: [{ base: 'c2', entries: [{ row: 2, related: 'd2' }] }] }, { jobId: 'imp-dash-b1' });
    // As the import processor enqueues a call of 100 entries: packed and deflated.
    await queues.sync.add(JobName.syncCalls, packSyncCalls(deflatedJob), { jobId: 'imp-dash-b2' });
    dashboard = await startDashboard({ config: { prefix }, queues }, { port: 0 });
    browser = await openBrowser();
    page = await browser.context.newPage();
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to (load|connect|apply|execute)/i.test(m.text())) blocked.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await board?.close();
  });

  it('serves on 127.0.0.1 by default', () => {
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('lists both queues, each with its jobs', async () => {
    await page.goto(dashboard.url);
    await expect.poll(() => page.title()).toBe(`relsync (${prefix})`);
    const imports = page.locator('main a[href="/queue/imports"]');
    const sync = page.locator('main a[href="/queue/sync"]');
    await imports.waitFor({ timeout: 15_000 });
    expect(await imports.innerText()).toBe('imports');
    expect(await sync.innerText()).toBe('sync');
    const totals = await page.locator('main li').filter({ has: page.locator('a[href^="/queue/"]') }).allInnerTexts();
    expect(totals.find((card) => card.includes('imports'))).toContain('1 Job');
    expect(totals.find((card) => card.includes('sync'))).toContain('3 Jobs');
  });

  it('shows a job of the imports queue when its queue is opened', async () => {
    await page.goto(`${dashboard.url}queue/imports`);
    await page.getByText('imp-dash', { exact: true }).first().waitFor({ timeout: 15_000 });
    expect(await page.locator('main').innerText()).toContain('contacts-deals');
  });

  it('shows a deflated sync job\'s calls as they are, with its summary', async () => {
    const response = await request(`${dashboard.url}api/queues/sync/imp-dash-b2`);
    const body = (await response.body.json()) as { job: { data: Record<string, unknown> } };
    expect(body.job.data).toEqual({ importId: 'imp-dash', seq: 2, summary: '1 call, 100 rows (rows 1 to 100)', calls: deflatedJob.calls });
  });

  it('loads nothing but from the board itself: no fonts, scripts or anything else from the internet', async () => {
    // Bull Board's own page links Google Fonts; ours must not, nor anything a later version adds.
    const own = new URL(dashboard.url).origin;
    expect(requested.length).toBeGreaterThan(5); // the page, its scripts and styles, the API
    expect(requested.filter((url) => new URL(url).origin !== own)).toEqual([]);
    expect(requested.every((url) => url.startsWith('http://127.0.0.1:'))).toBe(true);
    expect(blocked).toEqual([]); // and nothing tried and was stopped by the policy
    const html = await request(dashboard.url);
    expect(await html.body.text()).not.toMatch(/https?:\/\/|googleapis/);
    expect(html.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('is read-only unless actions are allowed', async () => {
    const response = await request(`${dashboard.url}api/queues`);
    const body = (await response.body.json()) as { queues: Array<{ name: string; readOnlyMode: boolean; allowRetries: boolean }> };
    expect(body.queues.map((q) => [q.name, q.readOnlyMode, q.allowRetries])).toEqual([
      ['imports', true, false],
      ['sync', true, false],
      ['webhooks', true, false],
    ]);
    // Bull Board answers 405 QUEUE_READ_ONLY to every action on a read-only queue (one that passes the CSRF checks).
    const pause = await request(`${dashboard.url}api/queues/imports/pause`, { method: 'PUT', headers: actionHeaders(dashboard.url, await xsrfSession(dashboard.url)) });
    await pause.body.dump();
    expect(pause.statusCode).toBe(405);
    expect(await queues.imports.isPaused()).toBe(false);
  });

  it('lets actions through with allowActions', async () => {
    const writable = await startDashboard({ config: { prefix }, queues }, { port: 0, allowActions: true });
    try {
      const pause = await request(`${writable.url}api/queues/imports/pause`, { method: 'PUT', headers: actionHeaders(writable.url, await xsrfSession(writable.url)) });
      await pause.body.dump();
      expect(pause.statusCode).toBe(200);
      expect(await queues.imports.isPaused()).toBe(true);
    } finally {
      await queues.imports.resume();
      await writable.close();
    }
  });

  it('refuses a Host header that is not loopback (DNS rebinding)', async () => {
    const port = new URL(dashboard.url).port;
    const response = await request(dashboard.url, { headers: { host: `attacker.example:${port}` } });
    await response.body.dump();
    expect(response.statusCode).toBe(421);
  });

  it('relsync dashboard prints the URL, serves until stopped, then closes', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stderr.resume();
    let stop: () => void = () => undefined;
    const untilStopped = new Promise<void>((resolve) => (stop = resolve));
    const config = loadConfig({ REDIS_URL: inject('redisUrl'), RELSYNC_PREFIX: prefix });
    const exit = runDashboard({ stdout, stderr, cwd: process.cwd(), isTTY: false }, config, { port: 0 }, { untilStopped });
    const [chunk] = (await once(stdout, 'data')) as [Buffer];
    const url = chunk.toString().trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const response = await request(`${url}api/queues`);
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    stop();
    await expect(exit).resolves.toBe(0);
    await expect(request(url)).rejects.toThrow();
  });
});
