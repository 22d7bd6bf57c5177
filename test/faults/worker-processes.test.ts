/**
 * Real worker processes, really killed: SIGKILL mid-call, SIGTERM with calls in flight, several
 * processes under one concurrency cap, and Redis stopped and restarted under running workers and a
 * waiting `import --wait`. The simulator's counters and the run ledger are the oracle.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { registrationFor } from '../../src/app/queues.js';
import { openCliRuntime, type CliRuntime } from '../../src/cli/cli-runtime.js';
import { waitForImport } from '../../src/cli/progress.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { harnessEnv } from '../helpers/harness.js';
import { associationsOf, writePairs } from '../helpers/pairs.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually, relsyncCommand, spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

interface Setup { sim: RunningSimulator; dir: string; env: Record<string, string>; config: Config; cli: CliRuntime }

const FAST_RECOVERY = { RELSYNC_LOCK_DURATION_MS: '2000', RELSYNC_STALLED_INTERVAL_MS: '1000', RELSYNC_SHUTDOWN_TIMEOUT_MS: '10000' };

describe('worker processes under faults', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function setup(sim: Partial<SimulatorOptions>, env: Record<string, string>, redisUrl = inject('redisUrl')): Promise<Setup> {
    const simulator = await startSimulator({ latencyMs: 0, jitterMs: 0, ...sim });
    cleanups.push(() => simulator.close());
    const dir = await mkdtemp(join(tmpdir(), 'relsync-faults-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const fullEnv = harnessEnv(simulator, dir, redisUrl, { ...FAST_RECOVERY, ...env });
    const config = loadConfig(fullEnv, { cwd: dir });
    const cli = await openCliRuntime(config, { persistent: true });
    cleanups.push(() => cli.close());
    return { sim: simulator, dir, env: fullEnv, config, cli };
  }

  async function workers(s: Setup, count: number): Promise<WorkerProcess[]> {
    const started = await Promise.all(Array.from({ length: count }, () => spawnWorker(s.env)));
    for (const w of started) cleanups.push(async () => {
      w.kill('SIGKILL');
      await w.exited;
    });
    return started;
  }

  const register = (s: Setup, file: string) => registerImport(
    registrationFor(s.config, s.cli),
    { file, profile: 'contacts-deals', origin: 'cli', cwd: s.dir },
  );

  it('keeps three worker processes under one ZOHO_CONCURRENCY cap, with one token minted for all', async () => {
    const s = await setup({ concurrency: 5, latencyMs: 40, jitterMs: 10 }, { ZOHO_CONCURRENCY: '5' });
    await workers(s, 3);
    const file = await writePairs(s.sim, s.dir, 240, 2);
    const record = await waitForImport(s.cli.ledger, (await register(s, file.path)).importId, { pollMs: 100 });
    expect(record).toMatchObject({ state: 'done', success: file.rows, error: 0 });
    expect(s.sim.counters.maxInFlight).toBe(5);
    expect(s.sim.counters.tooManyRequests).toEqual({ concurrency: 0, credits: 0 });
    expect(s.sim.counters.tokensMinted).toBe(1);
    expect(associationsOf(s.sim)).toEqual(file.associations);
  });

  it('loses nothing when a worker is killed with SIGKILL mid-call: its jobs are recovered and every row ends exactly once', async () => {
    const s = await setup({ latencyMs: 60, jitterMs: 20, lostResponseRate: 0.05, failRate: 0.05 }, { ZOHO_CONCURRENCY: '6' });
    const [victim] = await workers(s, 2);
    const file = await writePairs(s.sim, s.dir, 200, 3);
    const { importId } = await register(s, file.path);
    await eventually('calls in flight', () => s.sim.counters.calls > 40 && s.sim.counters.inFlight > 0);
    victim!.kill('SIGKILL');
    expect(await victim!.exited).toBe('SIGKILL');
    const record = await waitForImport(s.cli.ledger, importId, { pollMs: 100 });
    expect(record).toMatchObject({ state: 'done', success: file.rows, error: 0, skipped: 0 });
    expect(await s.cli.ledger.countOutcomes(importId)).toBe(file.rows);
    expect(associationsOf(s.sim)).toEqual(file.associations);
  });

  it('on SIGTERM lets in-flight calls finish, hands the rest back and exits; a new worker finishes the import', async () => {
    const s = await setup({ latencyMs: 400 }, { ZOHO_CONCURRENCY: '4' });
    const [worker] = await workers(s, 1);
    const file = await writePairs(s.sim, s.dir, 40, 1);
    const { importId } = await register(s, file.path);
    await eventually('calls in flight', () => s.sim.counters.inFlight >= 4);
    const callsBefore = s.sim.counters.calls;
    const t0 = Date.now();
    worker!.kill('SIGTERM');
    expect(await worker!.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(s.sim.counters.inFlight).toBe(0);
    // The calls that were in flight finished and their rows were recorded before exit.
    const mid = await s.cli.ledger.getImport(importId);
    expect(mid!.success).toBe(callsBefore);
    expect(mid!.state).toBe('syncing');
    await workers(s, 1);
    const record = await waitForImport(s.cli.ledger, importId, { pollMs: 100 });
    expect(record).toMatchObject({ state: 'done', success: 40, error: 0 });
    expect(s.sim.counters.calls).toBe(40);
  });

  it('finishes when Redis is stopped and restarted mid-run (AOF on): workers and import --wait reconnect', async () => {
    const redis: TestRedis = await startTestRedis({ appendonly: true });
    cleanups.push(() => redis.destroy());
    const s = await setup({ latencyMs: 30, jitterMs: 10 }, { ZOHO_CONCURRENCY: '4' }, redis.url);
    await workers(s, 2);
    const file = await writePairs(s.sim, s.dir, 150, 2);
    const cli = relsyncCommand(['import', file.path, '--wait'], { ...s.env, LOG_LEVEL: 'warn' });
    let out = '';
    cli.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    cli.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const exited = once(cli, 'exit');
    cleanups.push(async () => cli.kill('SIGKILL'));
    await eventually('calls under way', () => s.sim.counters.calls > 30);
    await redis.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await redis.start();
    const [code] = await exited;
    expect(out).toMatch(/done: 300 rows: 300 success, 0 error, 0 skipped/);
    expect(code).toBe(0);
    expect(associationsOf(s.sim)).toEqual(file.associations);
  });
});
