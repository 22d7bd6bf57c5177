/**
 * Redis refusing writes (maxmemory reached with noeviction) mid-import is a pause, not a failure: the
 * worker says so once, stops taking jobs, probes, and resumes when Redis takes writes again; the
 * import ends done with every row exactly once and every link right, and `import --wait` returns.
 * The refusal is real: the test lowers the private redis-server's maxmemory below what it uses.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startProcessHarness, type ProcessHarness } from '../helpers/harness.js';
import { associationsOf, writePairs } from '../helpers/pairs.js';
import { startRelsync } from '../helpers/relsync-process.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

describe('Redis refusing writes for a while', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('pauses the worker with one line, then finishes the import with every row right', async () => {
    const server: TestRedis = await startTestRedis();
    cleanups.push(() => server.destroy());
    const h: ProcessHarness = await startProcessHarness({
      redisUrl: server.url,
      sim: { latencyMs: 20, jitterMs: 0 },
      env: { ZOHO_CONCURRENCY: '4', RELSYNC_LOCK_DURATION_MS: '2000', RELSYNC_STALLED_INTERVAL_MS: '1000', RELSYNC_RECONCILE_INTERVAL_MS: '1000' },
    });
    cleanups.push(() => h.close());
    const admin = new Redis(server.url);
    cleanups.push(() => admin.quit());
    const [worker] = await h.spawnWorkers(1, { logLevel: 'info' });
    const file = await writePairs(h.sim, h.dir, 200, 2);
    const cli = startRelsync(['import', file.path, '--wait'], { ...h.env, LOG_LEVEL: 'warn' });
    cleanups.push(async () => cli.kill('SIGKILL'));
    await eventually('calls under way', () => h.sim.counters.calls > 40, { everyMs: 10 });

    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', String(Math.max(1, used - 200_000)));
    await eventually('the worker to say Redis refuses writes', () => worker!.output().includes('Redis refuses writes: OOM'), { timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await admin.config('SET', 'maxmemory', '0');

    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/done: 400 rows: 400 success, 0 error, 0 skipped/);
    expect(associationsOf(h.sim)).toEqual(file.associations);
    const log = worker!.output();
    expect(log.match(/Redis refuses writes: OOM — maxmemory reached/g)).toHaveLength(1);
    expect(log).toContain('Redis accepts writes again: work resumes');
  });
});
