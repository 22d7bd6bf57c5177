/**
 * The run's private redis-server (started by global-setup) as tests use it directly: every test file
 * (or test) under its own key prefix, its clients quit after its tests.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, inject } from 'vitest';

/** A fresh key prefix (`t-1a2b3c4d`): tests sharing the run's Redis never see each other's keys. */
export function testPrefix(label = 't'): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/**
 * `client()` opens a new client on the run's Redis; every one opened is quit after each test
 * (`scope: 'each'`) or after the file's or describe block's tests (`'all'`, the default).
 */
export function useRedis(scope: 'each' | 'all' = 'all'): { client(): Redis } {
  const clients: Redis[] = [];
  (scope === 'each' ? afterEach : afterAll)(async () => {
    await Promise.all(clients.splice(0).map((client) => client.quit()));
  });
  return {
    client() {
      const client = new Redis(inject('redisUrl'));
      clients.push(client);
      return client;
    },
  };
}
