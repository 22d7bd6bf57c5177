/**
 * /healthz and /readyz of a real worker runtime, on its own redis-server that the test stops and
 * starts for real, and through a real shutdown.
 */
import { createServer } from 'node:net';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { request } from 'undici';
import { startWorkerRuntime } from '../../src/app/worker-runtime.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server.js';

async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await request(url);
  return { status: response.statusCode, text: await response.body.text() };
}

describe('health endpoints', () => {
  let redis: TestRedis;
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    redis = await startTestRedis();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    h = await startHarness({ redisUrl: redis.url, env: { RELSYNC_METRICS_PORT: String(port) } });
  });
  afterAll(async () => {
    await h?.close();
    await redis?.destroy();
  });

  it('is alive and ready; unready while Redis is stopped, ready again once it is back; alive throughout', async () => {
    expect(await get(`${url}/healthz`)).toEqual({ status: 200, text: 'ok\n' });
    expect(await get(`${url}/readyz`)).toEqual({ status: 200, text: 'ready\n' });

    await redis.stop();
    const down = await eventually('/readyz to turn unready', async () => {
      const answer = await get(`${url}/readyz`);
      return answer.status === 503 && answer;
    });
    expect(down.text).toMatch(/^not ready: (the Redis connection is \w+|Redis did not answer PING within 1000 ms)\n$/);
    expect((await get(`${url}/healthz`)).status).toBe(200);

    await redis.start();
    await eventually('/readyz to be ready again', async () => (await get(`${url}/readyz`)).status === 200);
    expect((await get(`${url}/metrics`)).status).toBe(200);
    expect((await get(`${url}/nope`)).status).toBe(404);
  });

  it('turns unready as soon as the worker starts shutting down, while it still serves', async () => {
    // Closed first (added last): holds the shutdown open while the test looks at /readyz.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    h.runtime.lifecycle.add('test gate', () => held);
    const closing = h.runtime.close();
    expect(await get(`${url}/readyz`)).toEqual({ status: 503, text: 'not ready: the worker is shutting down\n' });
    expect((await get(`${url}/healthz`)).status).toBe(200);
    release();
    await closing;
  });

  it('refuses to start on a metrics port in use, with one line, leaving nothing open', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    const probe = new Redis(redis.url);
    // Connections to this Redis other than the probe's: the worker's must be gone once it has refused to start.
    const others = async (): Promise<number> => (await probe.client('LIST') as string).trim().split('\n').length - 1;
    try {
      const before = await others();
      const config = { ...h.config, metrics: { host: '127.0.0.1', port } };
      await expect(startWorkerRuntime(config, pino({ level: 'silent' }))).rejects.toMatchObject({
        code: 'CONFIG_INVALID', message: `RELSYNC_METRICS_PORT / RELSYNC_METRICS_HOST: cannot listen on 127.0.0.1:${port}: the port is in use`,
      });
      await eventually('the refused worker to close its Redis connection', async () => (await others()) === before, { timeoutMs: 5_000 });
    } finally {
      await probe.quit();
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
