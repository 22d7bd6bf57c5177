/** Shared by the dashboard tests: the queues the board shows, Debian's headless Chromium, and the CSRF token as a browser gets it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { request } from 'undici';
import { inject } from 'vitest';
import { JobName } from '../../jobs/queues.js';
import { Lifecycle } from '../../src/app/lifecycle.js';
import { openQueues, type Queues } from '../../src/app/queues.js';
import { connectRedis, createRedis } from '../../src/ledger/redis-connection.js';

export interface BoardQueues {
  queues: Queues;
  /** Empties the queues, then closes their Redis connection. */
  close(): Promise<void>;
}

/** The queues under `prefix` on the run's private Redis, with one import job `importId` waiting. */
export async function openBoardQueues(prefix: string, importId: string): Promise<BoardQueues> {
  const lifecycle = new Lifecycle();
  const url = inject('redisUrl');
  try {
    const redis = await connectRedis(createRedis(url, { persistent: false }), url);
    lifecycle.add('redis', () => redis.quit());
    const queues = openQueues(redis, prefix, lifecycle);
    await queues.imports.add(JobName.import, { source: { csv: 'contact_ext_id,deal_ext_id\nc1,d1\n' }, profile: 'contacts-deals', importId }, { jobId: importId });
    return {
      queues,
      async close() {
        await Promise.all([queues.imports.obliterate({ force: true }), queues.sync.obliterate({ force: true })]);
        await lifecycle.closeAll(5_000);
      },
    };
  } catch (error) {
    await lifecycle.closeAll(5_000);
    throw error;
  }
}

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
