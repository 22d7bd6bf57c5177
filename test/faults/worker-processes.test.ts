/**
 * Real worker processes, really killed: SIGKILL mid-call, SIGTERM with calls in flight, several
 * processes under one concurrency cap, and Redis stopped and restarted under running workers and a
 * waiting `import --wait`. The simulator's counters and the run ledger are the oracle.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startProcessHarness, type HarnessOptions, type ProcessHarness } from '../helpers/harness.js';
import { associationsOf, writePairs } from '../helpers/pairs.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { spawnWorker, startRelsync, type RelsyncProcess } from '../helpers/relsync-process.js';

/** How many of the worker's JSON log lines have this `msg`. */
const linesSaying = (worker: RelsyncProcess, msg: string): number => worker.stdout().split('\n').filter((line) => line.includes(`"msg":"${msg}"`)).length;
const LOST = 'Redis connection lost; reconnecting (work waits, nothing is lost)';
const BACK = 'Redis connection back';

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

  it('says once at start that the refresh token is refused, runs on, and the paused import says why in one short line', async () => {
    const s = await setup({}, { RELSYNC_PAUSE_PROBE_MS: '300' });
    const worker = await spawnWorker({ ...s.env, ZOHO_REFRESH_TOKEN: 'revoked-refresh-token' });
    cleanups.push(async () => {
      worker.kill('SIGKILL');
      await worker.exited;
    });
    const warning = 'no Zoho access token at start: the worker runs on, imports wait until one can be had';
    await eventually('the start-up warning', () => linesSaying(worker, warning) > 0);
    const file = await writePairs(s.sim, s.dir, 4, 1);
    const importId = await s.importFile(file.path);
    const reason = 'cannot get a Zoho access token: ZOHO_REFRESH_TOKEN refused (invalid_code): revoked, or from another data centre (ZOHO_DC)';
    await eventually('the import paused with the reason', async () => (await s.runtime.ledger.getImport(importId))?.pausedReason === reason);
    await eventually('several probes', () => s.sim.counters.tokenRequests >= 4);
    s.sim.setOptions({ refreshToken: 'revoked-refresh-token' }); // fixed on Zoho's side
    expect(await s.waitDone(importId)).toMatchObject({ state: 'done', success: 4 });
    expect(linesSaying(worker, warning)).toBe(1);
    expect(worker.stdout()).not.toContain('revoked-refresh-token');
  });

  it('logs one line when Redis is lost and one when it is back, and exits on SIGTERM within its deadline while Redis is down', async () => {
    const redis: TestRedis = await startTestRedis();
    cleanups.push(() => redis.destroy());
    const deadlineMs = 2_000;
    const s = await setup({}, { RELSYNC_SHUTDOWN_TIMEOUT_MS: String(deadlineMs) }, redis.url);
    const [worker] = await s.spawnWorkers(1);
    await eventually('the token checked at start', () => s.sim.counters.tokensMinted === 1);
    await s.runtime.close(); // this test's own connections must not wait on the Redis it stops

    await redis.stop();
    // While Redis is gone, something on its port counts the worker's reconnects (and drops them).
    const attempts = { count: 0 };
    const standIn = createServer((socket) => {
      attempts.count += 1;
      socket.destroy();
    }).listen(redis.port, '127.0.0.1');
    await once(standIn, 'listening');
    await eventually('ten reconnects of the worker', () => attempts.count >= 10, { timeoutMs: 45_000 });
    await new Promise((resolve) => standIn.close(resolve));
    expect(linesSaying(worker!, LOST)).toBe(1);

    await redis.start();
    await eventually('the worker to see Redis back', () => linesSaying(worker!, BACK) === 1);
    expect(linesSaying(worker!, LOST)).toBe(1);
    expect(linesSaying(worker!, 'worker error')).toBe(0);
    expect(worker!.stderr()).toBe('');

    await redis.stop();
    await eventually('the second outage noticed', () => linesSaying(worker!, LOST) === 2);
    worker!.kill('SIGTERM');
    const stillRunning = new Promise((resolve) => setTimeout(resolve, deadlineMs + 3_000, 'still running after the deadline')); // node, tsx and pino take a moment to end
    expect(await Promise.race([worker!.exited, stillRunning])).toBe(0);
    expect(worker!.stdout()).toContain('"clean":false,"msg":"worker stopped"');
  });
});
