/**
 * One private redis-server for the whole run; each test file uses its own key prefix.
 * Tests that restart Redis start their own with startTestRedis().
 */
import type { TestProject } from 'vitest/node';
import { startTestRedis, type TestRedis } from './redis-server.js';

let redis: TestRedis | undefined;

export async function setup(project: TestProject): Promise<void> {
  redis = await startTestRedis();
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.destroy();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
