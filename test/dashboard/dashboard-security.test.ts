/**
 * The dashboard's guard (src/dashboard/dashboard-guard.ts) against real requests and a real headless
 * Chromium: actions refuse what another site makes a browser send (CSRF) yet work from the board's own
 * page; off loopback it will not start without RELSYNC_DASHBOARD_TOKEN, and then asks every request
 * for it (a bearer header, or the cookie of its login page).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Queues } from '../../src/app/queues.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/dashboard-server.js';
import { startRelsync } from '../helpers/relsync-process.js';
import { actionHeaders, openBoardQueues, openBrowser, xsrfSession, type BoardQueues, type Browser } from './dashboard-helpers.js';

const TOKEN = 'a-dashboard-token-0123456789abcdef';

describe('relsync dashboard: CSRF and the token', () => {
  const prefix = `t-dash-sec-${randomBytes(4).toString('hex')}`;
  let board: BoardQueues | undefined;
  let queues: Queues;
  let browser: Browser;
  const opened: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    board = await openBoardQueues(prefix, 'imp-sec');
    queues = board.queues;
    browser = await openBrowser();
  });
  afterEach(async () => {
    for (const server of opened.splice(0)) await server.close();
    await queues.imports.resume();
  });
  afterAll(async () => {
    await browser?.close();
    await board?.close();
  });

  const start = async (options: Parameters<typeof startDashboard>[1], token?: string): Promise<RunningDashboard> => {
    const dashboard = await startDashboard({ config: { prefix, dashboardToken: token }, queues }, { port: 0, ...options });
    opened.push(dashboard);
    return dashboard;
  };
  const pause = async (base: string, headers: Record<string, string>): Promise<number> => {
    const response = await request(`${base}api/queues/imports/pause`, { method: 'PUT', headers });
    await response.body.dump();
    return response.statusCode;
  };

  describe('actions (CSRF)', () => {
    it('refuses an action from another origin or site, or without a valid token, with 403', async () => {
      const board = await start({ allowActions: true });
      const session = await xsrfSession(board.url);
      const own = actionHeaders(board.url, session);
      expect(await pause(board.url, { ...own, origin: 'http://attacker.example' })).toBe(403);
      expect(await pause(board.url, { ...own, origin: 'null' })).toBe(403);
      expect(await pause(board.url, { ...own, 'sec-fetch-site': 'cross-site' })).toBe(403);
      expect(await pause(board.url, { ...own, 'sec-fetch-site': 'same-site' })).toBe(403);
      const { 'x-xsrf-token': _header, ...withoutHeader } = own;
      expect(await pause(board.url, withoutHeader)).toBe(403);
      expect(await pause(board.url, { ...own, 'x-xsrf-token': `${session.token}x` })).toBe(403);
      // A cookie the attacker set (a sibling host can) with a matching header: not signed by this board.
      expect(await pause(board.url, { ...own, cookie: 'XSRF-TOKEN=forged.value', 'x-xsrf-token': 'forged.value' })).toBe(403);
      expect(await pause(board.url, {})).toBe(403);
      expect(await queues.imports.isPaused()).toBe(false);
      expect(await pause(board.url, own)).toBe(200);
      expect(await queues.imports.isPaused()).toBe(true);
    });

    it('refuses a form another site\'s page posts through the operator\'s browser', async () => {
      const board = await start({ allowActions: true });
      const page = await browser.context.newPage();
      await page.goto(board.url); // the operator has the board open: the browser holds its cookies
      const attacker = await serveOn('127.0.0.2', `<!DOCTYPE html><form id="f" method="post" action="${board.url}api/queues/imports/add">
        <input name="name" value="import"><input name="data" value="{}"></form><script>document.getElementById('f').submit()</script>`);
      opened.push(attacker);
      const jobsBefore = await queues.imports.getJobCountByTypes('wait', 'active', 'completed', 'failed', 'delayed', 'prioritized');
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/queues/imports/add'));
      await page.goto(attacker.url);
      expect((await answer).status()).toBe(403);
      expect(await queues.imports.getJobCountByTypes('wait', 'active', 'completed', 'failed', 'delayed', 'prioritized')).toBe(jobsBefore);
      await page.close();
    });

    it('still lets the board\'s own page act: pause from the queue menu', async () => {
      const board = await start({ allowActions: true });
      const page = await browser.context.newPage();
      await page.goto(`${board.url}queue/imports`);
      await page.locator('main button[aria-haspopup="menu"]').first().click();
      await page.getByRole('menuitem', { name: 'Pause' }).click();
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/queues/imports/pause'));
      await page.getByRole('button', { name: 'Confirm' }).click();
      expect((await answer).status()).toBe(200);
      expect(await queues.imports.isPaused()).toBe(true);
      await page.close();
    });
  });

  describe('RELSYNC_DASHBOARD_TOKEN', () => {
    it('is required to listen on a non-loopback address: one line naming it, before connecting to Redis', async () => {
      const line = 'RELSYNC_DASHBOARD_TOKEN: required when the dashboard listens on 0.0.0.0, which is not a loopback address; set it to a long random value (e.g. openssl rand -hex 32)';
      await expect(startDashboard({ config: { prefix }, queues }, { host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: line });
      const child = startRelsync(['dashboard', '--host', '0.0.0.0', '--port', '3999'], { REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'warn' });
      const code = await child.exited;
      expect({ code, stderr: child.stderr() }).toEqual({ code: 1, stderr: `relsync: ${line}\n` });
    });

    it('once set, is asked of every request: as a bearer header, or through the login page\'s cookie', async () => {
      const board = await start({ host: '0.0.0.0', allowActions: true }, TOKEN);
      const base = `http://127.0.0.1:${new URL(board.url).port}/`;
      const get = async (path: string, headers: Record<string, string> = {}) => {
        const response = await request(`${base}${path}`, { headers });
        await response.body.dump();
        return response;
      };
      expect((await get('api/queues')).statusCode).toBe(401);
      expect((await get('api/queues', { authorization: 'Bearer wrong-token-0123456789' })).statusCode).toBe(401);
      expect((await get('static/js/main.f10757109b.js')).statusCode).toBe(401);
      expect((await get('', { accept: 'text/html' })).headers.location).toBe('/login');
      expect((await get('api/queues', { authorization: `Bearer ${TOKEN}` })).statusCode).toBe(200);
      // A bearer header is never sent by a browser on its own: no CSRF token needed with it.
      expect(await pause(base, { authorization: `Bearer ${TOKEN}` })).toBe(200);
      await queues.imports.resume();
      expect(await pause(base, {})).toBe(401);

      const logIn = async (token: string) => request(`${base}login`, {
        method: 'POST', body: new URLSearchParams({ token }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base.slice(0, -1), 'sec-fetch-site': 'same-origin' },
      });
      const wrong = await logIn('not-the-token-at-all');
      await wrong.body.dump();
      expect(wrong.statusCode).toBe(401);
      const right = await logIn(TOKEN);
      await right.body.dump();
      expect(right.statusCode).toBe(303);
      const session = [right.headers['set-cookie']].flat().find((c) => c?.startsWith('relsync_dashboard_session='));
      expect(session).toMatch(/HttpOnly/i);
      expect(session).toMatch(/SameSite=Strict/i);
      expect(session).not.toContain(TOKEN);
      expect((await get('api/queues', { cookie: session!.split(';')[0]! })).statusCode).toBe(200);
    });

    it('lets a browser log in through its form and then shows the board', async () => {
      const board = await start({}, TOKEN);
      const page = await browser.context.newPage();
      await page.goto(board.url);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.locator('input[name="token"]').fill('not-the-token-at-all');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByText('That is not the token.').waitFor();
      await page.locator('input[name="token"]').fill(TOKEN);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.locator('main a[href="/queue/imports"]').waitFor({ timeout: 15_000 });
      await page.close();
    });
  });
});

/** A one-page site on another host (another site to the browser): the attacker's. */
async function serveOn(host: string, html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  server.listen(0, host);
  await once(server, 'listening');
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
