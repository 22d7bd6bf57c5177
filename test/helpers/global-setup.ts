/**
 * One private redis-server for the whole run; each test file uses its own key prefix.
 * Tests that restart Redis start their own with startTestRedis().
 *
 * What the tests need from the system comes first, the way the demo gets its Redis
 * (src/dev/system-programs.ts): redis-server and Chromium (for the dashboard test) are installed with
 * apt-get when missing and we are root, and so is sshd (Debian's openssh-server) for the SFTP tests;
 * otherwise one line says what to install. Without redis-server nothing can run; without Chromium only
 * the dashboard test fails, without sshd only the SFTP tests, with that line.
 */
import type { TestProject } from 'vitest/node';
import { CHROMIUM, providePrograms, REDIS_SERVER, SSHD } from '../../src/dev/system-programs.js';
import { startTestRedis, type TestRedis } from './redis-server.js';

let redis: TestRedis | undefined;

export async function setup(project: TestProject): Promise<void> {
  const log = (line: string): void => console.error(`[test setup] ${line}`);
  const [redisServer, chromium, sshd] = await providePrograms([REDIS_SERVER, CHROMIUM, SSHD], { path: process.env.PATH ?? '', log });
  if (!redisServer || 'missing' in redisServer) throw new Error(redisServer?.missing ?? 'redis-server is not installed');
  if (!chromium || 'missing' in chromium) log(`${chromium?.missing ?? 'chromium is not installed'} (only the dashboard test needs it)`);
  project.provide('chromium', chromium && 'path' in chromium ? { path: chromium.path, missing: null } : { path: null, missing: chromium?.missing ?? 'chromium is not installed' });
  if (!sshd || 'missing' in sshd) log(`${sshd?.missing ?? 'sshd is not installed'} (only the SFTP tests need it)`);
  project.provide('sshd', sshd && 'path' in sshd ? { path: sshd.path, missing: null } : { path: null, missing: sshd?.missing ?? 'sshd is not installed' });
  redis = await startTestRedis({ binary: redisServer.path });
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.destroy();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** Headless Chromium for the dashboard test, or the line saying what to install. */
    chromium: { path: string; missing: null } | { path: null; missing: string };
    /** OpenSSH's sshd for the SFTP tests (test/helpers/sshd.ts), or the line saying what to install. */
    sshd: { path: string; missing: null } | { path: null; missing: string };
  }
}
