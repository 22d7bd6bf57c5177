/**
 * Real worker processes, really killed: SIGKILL mid-call, SIGTERM with calls in flight, several
 * processes under one concurrency cap, and Redis stopped and restarted under running workers and a
 * waiting `import --wait`. The simulator's counters and the run ledger are the oracle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startProcessHarness, type HarnessOptions, type ProcessHarness } from '../helpers/harness.js';
import { associationsOf, writePairs } from '../helpers/pairs.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startRelsync } from '../helpers/relsync-process.js';

const FAST_RECOVERY = { RELSYNC_LOCK_DURATION_MS: '2000', RELSYNC_STALLED_INTERVAL_MS: '1000', RELSYNC_SHUTDOWN_TIMEOUT_MS: '10000' };

describe('worker processes under faults', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  /** The CLI's connections in this process; workers are spawned as real processes with `s.spawnWorkers`. */
  async function setup(sim: HarnessOptions['sim'], env: Record<string, string>, redisUrl?: string): Promise<ProcessHarness> {
    const s = await startProcessHarness({ sim, env: { ...FAST_RECOVERY, ...env }, redisUrl });
    cleanups.push(() => s.close());
    return s;
  }

  it('keeps three worker processes under one ZOHO_CONCURRENCY cap, with one token minted for all', async () => {
    const s = await setup({ concurrency: 5, latencyMs: 40, jitterMs: 10 }, { ZOHO_CONCURRENCY: '5' });
    await s.spawnWorkers(3);
    const file = await writePairs(s.sim, s.dir, 240, 2);
    const record = await s.waitDone(await s.importFile(file.path));
    expect(record).toMatchObject({ state: 'done', success: file.rows, error: 0 });
    expect(s.sim.counters.maxInFlight).toBe(5);
    expect(s.sim.counters.tooManyRequests).toEqual({ concurrency: 0, credits: 0 });
    expect(s.sim.counters.tokensMinted).toBe(1);
    expect(associationsOf(s.sim)).toEqual(file.associations);
  });

  it('loses nothing when a worker is killed with SIGKILL mid-call: its jobs are recovered and every row ends exactly once', async () => {
    const s = await setup({ latencyMs: 60, jitterMs: 20, lostResponseRate: 0.05, failRate: 0.05 }, { ZOHO_CONCURRENCY: '6' });
    const [victim] = await s.spawnWorkers(2);
    const file = await writePairs(s.sim, s.dir, 200, 3);
    const importId = await s.importFile(file.path);
    await eventually('calls in flight', () => s.sim.counters.calls > 40 && s.sim.counters.inFlight > 0);
    victim!.kill('SIGKILL');
    expect(await victim!.exited).toBe('SIGKILL');
    const record = await s.waitDone(importId);
    expect(record).toMatchObject({ state: 'done', success: file.rows, error: 0, skipped: 0 });
    expect(await s.runtime.ledger.countOutcomes(importId)).toBe(file.rows);
    expect(associationsOf(s.sim)).toEqual(file.associations);
  });

  it('on SIGTERM lets in-flight calls finish, hands the rest back and exits; a new worker finishes the import', async () => {
    const s = await setup({ latencyMs: 400 }, { ZOHO_CONCURRENCY: '4' });
    const [worker] = await s.spawnWorkers(1);
    const file = await writePairs(s.sim, s.dir, 40, 1);
    const importId = await s.importFile(file.path);
    await eventually('calls in flight', () => s.sim.counters.inFlight >= 4);
    const callsBefore = s.sim.counters.calls;
    const t0 = Date.now();
    worker!.kill('SIGTERM');
    expect(await worker!.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(s.sim.counters.inFlight).toBe(0);
    // The calls that were in flight finished and their rows were recorded before exit.
    const mid = await s.runtime.ledger.getImport(importId);
    expect(mid!.success).toBe(callsBefore);
    expect(mid!.state).toBe('syncing');
    await s.spawnWorkers(1);
    const record = await s.waitDone(importId);
    expect(record).toMatchObject({ state: 'done', success: 40, error: 0 });
    expect(s.sim.counters.calls).toBe(40);
  });

  it('finishes when Redis is stopped and restarted mid-run (AOF on): workers and import --wait reconnect', async () => {
    const redis: TestRedis = await startTestRedis({ appendonly: true });
    cleanups.push(() => redis.destroy());
    const s = await setup({ latencyMs: 30, jitterMs: 10 }, { ZOHO_CONCURRENCY: '4' }, redis.url);
    await s.spawnWorkers(2);
    const file = await writePairs(s.sim, s.dir, 150, 2);
    const cli = startRelsync(['import', file.path, '--wait'], { ...s.env, LOG_LEVEL: 'warn' });
    cleanups.push(async () => cli.kill('SIGKILL'));
    await eventually('calls under way', () => s.sim.counters.calls > 30);
    await redis.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await redis.start();
    const code = await cli.exited;
    expect(cli.output()).toMatch(/done: 300 rows: 300 success, 0 error, 0 skipped/);
    expect(code).toBe(0);
    expect(associationsOf(s.sim)).toEqual(file.associations);
  });
});
