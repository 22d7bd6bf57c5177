/** Shared by the dashboard tests: Debian's headless Chromium, and the CSRF token as a browser gets it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { request } from 'undici';
import { inject } from 'vitest';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A fresh Chromium profile. The test setup finds Chromium or installs it (src/dev/system-programs.ts);
 * without it the test fails loudly with the line saying what to install, never skips.
 */
export async function openBrowser(): Promise<Browser> {
  const found = inject('chromium');
  if (found.path === null) throw new Error(found.missing);
  // launchPersistentContext: Playwright's way to give Chromium a fresh --user-data-dir.
  const profileDir = await mkdtemp(join(tmpdir(), 'relsync-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, { executablePath: found.path, headless: true, args: CHROMIUM_ARGS });
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
