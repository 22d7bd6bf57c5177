/** Shared by the dashboard tests: Debian's headless Chromium, and the CSRF token as a browser gets it. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { request } from 'undici';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh Chromium profile; without Chromium the test fails loudly, never skips (CI installs it). */
export async function openBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`headless Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) to run the dashboard tests`);
  // launchPersistentContext: Playwright's way to give Chromium a fresh --user-data-dir.
  const profileDir = await mkdtemp(join(tmpdir(), 'relsync-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return {
    context,
    async close() {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/** What a page of the board gives a browser: the XSRF-TOKEN cookie, and the same value for the header. */
export async function xsrfSession(base: string, headers: Record<string, string> = {}): Promise<{ cookie: string; token: string }> {
  const response = await request(base, { headers: { accept: 'text/html', ...headers } });
  await response.body.dump();
  const cookies = [response.headers['set-cookie'] ?? []].flat();
  const xsrf = cookies.find((c) => c.startsWith('XSRF-TOKEN='));
  if (xsrf === undefined) throw new Error(`no XSRF-TOKEN cookie from ${base} (status ${response.statusCode})`);
  const token = xsrf.split(';')[0]!.slice('XSRF-TOKEN='.length);
  return { cookie: `XSRF-TOKEN=${token}`, token };
}

/** An action as the board's own page sends it: same origin, cookie and header. */
export function actionHeaders(base: string, session: { cookie: string; token: string }): Record<string, string> {
  return { origin: new URL(base).origin, 'sec-fetch-site': 'same-origin', cookie: session.cookie, 'x-xsrf-token': session.token };
}
