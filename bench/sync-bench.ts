/**
 * Sync against the ceiling: the simulator with a cap of C calls in flight and a fixed latency, a
 * `relsync worker` child (the real runtime, ZOHO_CONCURRENCY=C) draining thousands of queued
 * sync-calls jobs. The simulator runs in this process, so its counters are sampled every 10 ms
 * without a request: calls in flight over time, 429s, answers.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { JobName, QueueName } from '../jobs/queues.js';
import { syncCallsJobId, syncCallsJobOptions, type SyncCallsPayload } from '../jobs/sync-calls.job.js';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { RunLedger } from '../src/ledger/run-ledger.js';
import { loadProfile } from '../src/profile/profile.js';
import { startSimulator, type RunningSimulator, type SimulatorDataset } from '../src/simulator/index.js';
import { killChild, round1, runChild, startChild, type Cleanup } from './bench-process.js';
import type { HttpBoundInput } from './http-bound-child.js';
import type { SyncWorkerStopped } from './sync-worker-child.js';
import { redisCommandCounts } from './redis-stats.js';

export interface SyncBenchOptions {
  concurrency: number;
  calls: number;
  latencyMs: number;
  entriesPerCall: number;
  dir: string;
  /** Write a V8 CPU profile of the worker process into this folder. */
  cpuProfDir?: string;
  log: (line: string) => void;
}

export interface SyncRun {
  concurrency: number;
  latencyMs: number;
  calls: number;
  entriesPerCall: number;
  /** From the first call's arrival to the last call's answer (the token mint before is left out). */
  elapsedMs: number;
  callsPerS: number;
  /** C / latency: the most calls per second the cap allows. */
  ceilingCallsPerS: number;
  tooManyRequests: number;
  /** The HTTP side alone (http-bound-child.ts) against the same simulator: calls/s, over `httpBoundCalls`. */
  httpBoundCallsPerS: number;
  httpBoundCalls: number;
  inFlightMean: number;
  /** The simulator's own high-water mark (exact, not sampled). */
  inFlightMax: number;
  /** Mean calls in flight per second of the run. */
  inFlightPerSecond: number[];
  rowsRecorded: number;
  workerCpuMs: number;
  workerMaxRssMb: number;
  /**
   * Redis commands per call over the drain (`INFO commandstats`, the worker's start and stop left out),
   * by command, most first: what each call costs in Redis, whatever the load. Those a call awaits one
   * after another are its round trips (docs/performance.md).
   */
  redisCommandsPerCall: Record<string, number>;
}

interface Sample {
  atMs: number;
  inFlight: number;
  calls: number;
  answered: number;
}

const SAMPLE_EVERY_MS = 10;

export async function benchSync(cleanup: Cleanup, options: SyncBenchOptions): Promise<SyncRun> {
  const redis = await startPrivateRedis();
  const destroyRedis = cleanup.add(`redis for sync C=${options.concurrency}`, () => redis.destroy());
  const sim = await startSimulator({
    latencyMs: options.latencyMs, jitterMs: 0, concurrency: options.concurrency, credits: 100_000_000, contacts: 2_000, deals: 2_000,
  });
  const closeSim = cleanup.add('simulator', () => sim.close());
  const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: null });
  await admin.connect();
  try {
    const prefix = `bench-sync-${options.concurrency}`;
    const importId = `bench-sync-c${options.concurrency}`;
    const ledger = new RunLedger(admin, prefix);
    const profile = await loadProfile('contacts-deals');
    await ledger.createImport({ id: importId, origin: 'bench', source: 'bench', sourceName: 'bench', profileName: 'contacts-deals', profileJson: JSON.stringify(profile) });
    await enqueueCalls(admin, prefix, importId, sim.dataset, options);
    const drained = await drain(cleanup, sim, ledger, { ...options, prefix, importId, redisUrl: redis.url, admin });
    const bound = await httpBound(cleanup, sim, options);
    const run: SyncRun = { ...drained, ...bound };
    options.log(`sync C=${options.concurrency}: ${run.callsPerS} calls/s of ${run.ceilingCallsPerS} (HTTP alone ${run.httpBoundCallsPerS}), in flight mean ${run.inFlightMean} max ${run.inFlightMax}, 429s ${run.tooManyRequests}; Redis commands per call ${JSON.stringify(run.redisCommandsPerCall)}`);
    return run;
  } finally {
    admin.disconnect();
    await closeSim();
    await destroyRedis();
  }
}

/** About 10 s of calls at the ceiling: its rate does not depend on the count. */
async function httpBound(cleanup: Cleanup, sim: RunningSimulator, options: SyncBenchOptions): Promise<Pick<SyncRun, 'httpBoundCallsPerS' | 'httpBoundCalls'>> {
  const calls = Math.min(options.calls, options.concurrency * 100);
  const { dataset } = sim;
  const input: HttpBoundInput = {
    url: sim.url, refreshToken: sim.options.refreshToken, concurrency: options.concurrency, calls, entriesPerCall: options.entriesPerCall,
    bases: dataset.contacts.map((c) => c.External_Contact_ID), deals: dataset.deals.map((d) => d.External_Deal_ID), role: dataset.contactRoles[0]!.id,
  };
  const { elapsedMs } = await runChild<{ elapsedMs: number }>(cleanup, './http-bound-child.ts', input);
  return { httpBoundCallsPerS: round1((calls * 1000) / elapsedMs), httpBoundCalls: calls };
}

/** `calls` jobs of `entriesPerCall` existing deals each, on existing contacts: every call succeeds. */
async function enqueueCalls(redis: Redis, prefix: string, importId: string, dataset: SimulatorDataset, options: SyncBenchOptions): Promise<void> {
  const queue = new Queue<SyncCallsPayload>(QueueName.sync, { connection: redis, prefix });
  try {
    const role = dataset.contactRoles[0]!.id;
    for (let first = 0; first < options.calls; first += 500) {
      const jobs = [];
      for (let seq = first; seq < Math.min(first + 500, options.calls); seq++) {
        const base = dataset.contacts[seq % dataset.contacts.length]!.External_Contact_ID;
        const entries = Array.from({ length: options.entriesPerCall }, (_, k) => ({
          row: seq * options.entriesPerCall + k + 1,
          related: dataset.deals[(seq * options.entriesPerCall + k) % dataset.deals.length]!.External_Deal_ID,
          fields: { Contact_Role: role },
        }));
        // One call per job here: the sync bench measures calls in flight, not ingest's packing.
        jobs.push({ name: JobName.syncCalls, data: { importId, seq, calls: [{ base, entries }] }, opts: { ...syncCallsJobOptions(5), jobId: syncCallsJobId(importId, seq) } });
      }
      await queue.addBulk(jobs);
    }
  } finally {
    await queue.close();
  }
}

async function drain(
  cleanup: Cleanup,
  sim: RunningSimulator,
  ledger: RunLedger,
  options: SyncBenchOptions & { prefix: string; importId: string; redisUrl: string; admin: Redis },
): Promise<Omit<SyncRun, 'httpBoundCallsPerS' | 'httpBoundCalls'>> {
  const samples: Sample[] = [];
  const startedAt = performance.now();
  const sample = (): void => {
    const counters = sim.counters;
    const answered = Object.entries(counters.byStatus).reduce((sum, [status, count]) => (status === '429' ? sum : sum + count), 0);
    samples.push({ atMs: performance.now() - startedAt, inFlight: counters.inFlight, calls: counters.calls, answered });
  };
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  const child = startChild('./sync-worker-child.ts', null, { env: workerEnv(sim, options), cpuProfDir: options.cpuProfDir });
  const kill = cleanup.add('sync worker', () => killChild(child));
  try {
    await waitFor(child, (message) => message === 'ready', 30_000, 'the worker to start');
    const commandsBefore = await redisCommandCounts(options.admin);
    const idealMs = (options.calls * options.latencyMs) / options.concurrency;
    await until(() => (samples.at(-1)?.answered ?? 0) >= options.calls, idealMs * 3 + 30_000, 'every call to be answered');
    const rows = options.calls * options.entriesPerCall;
    await until(async () => (await ledger.countOutcomes(options.importId)) >= rows, 30_000, 'every row to have an outcome');
    const commandsAfter = await redisCommandCounts(options.admin);
    sample();
    const stopped = waitFor(child, (message) => (message as SyncWorkerStopped).type === 'stopped', 30_000, 'the worker to stop');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send('stop');
    const worker = (await stopped) as SyncWorkerStopped;
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]); // lets --cpu-prof write its file
    const perCall = Object.entries(commandsAfter)
      .map(([name, count]) => [name, Math.round(((count - (commandsBefore[name] ?? 0)) / options.calls) * 100) / 100] as const)
      .filter(([name, n]) => n >= 0.01 && name !== 'info')
      .sort((a, b) => b[1] - a[1]);
    return figures(samples, sim, options, { rowsRecorded: await ledger.countOutcomes(options.importId), worker, redisCommandsPerCall: Object.fromEntries(perCall) });
  } finally {
    clearInterval(timer);
    await kill();
  }
}

function figures(samples: Sample[], sim: RunningSimulator, options: SyncBenchOptions, extra: { rowsRecorded: number; worker: SyncWorkerStopped; redisCommandsPerCall: Record<string, number> }): Omit<SyncRun, 'httpBoundCallsPerS' | 'httpBoundCalls'> {
  const first = samples.findIndex((s) => s.calls > 0);
  const last = samples.findIndex((s) => s.answered >= options.calls);
  const window = samples.slice(first, last + 1);
  const elapsedMs = samples[last]!.atMs - samples[first]!.atMs;
  const counters = sim.counters;
  const perSecond: number[] = [];
  for (let from = 0; from < window.length; from += 1000 / SAMPLE_EVERY_MS) {
    const slice = window.slice(from, from + 1000 / SAMPLE_EVERY_MS);
    perSecond.push(round1(slice.reduce((sum, s) => sum + s.inFlight, 0) / slice.length));
  }
  return {
    concurrency: options.concurrency,
    latencyMs: options.latencyMs,
    calls: options.calls,
    entriesPerCall: options.entriesPerCall,
    elapsedMs: Math.round(elapsedMs),
    callsPerS: round1((options.calls * 1000) / elapsedMs),
    ceilingCallsPerS: (options.concurrency * 1000) / options.latencyMs,
    tooManyRequests: counters.tooManyRequests.concurrency + counters.tooManyRequests.credits,
    inFlightMean: Math.round((window.reduce((sum, s) => sum + s.inFlight, 0) / window.length) * 100) / 100,
    inFlightMax: counters.maxInFlight,
    inFlightPerSecond: perSecond,
    rowsRecorded: extra.rowsRecorded,
    workerCpuMs: extra.worker.cpuMs,
    workerMaxRssMb: extra.worker.maxRssMb,
    redisCommandsPerCall: extra.redisCommandsPerCall,
  };
}

/** Only what the worker needs: the caller's shell (REDIS_URL, ZOHO_DAILY_CREDITS…) must not leak in. */
function workerEnv(sim: RunningSimulator, options: SyncBenchOptions & { prefix: string; redisUrl: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    REDIS_URL: options.redisUrl,
    RELSYNC_PREFIX: options.prefix,
    ZOHO_ACCOUNTS_URL: sim.url,
    ZOHO_CLIENT_ID: 'bench-client',
    ZOHO_CLIENT_SECRET: 'bench-client-secret',
    ZOHO_REFRESH_TOKEN: sim.options.refreshToken,
    ZOHO_CONCURRENCY: String(options.concurrency),
    LOG_LEVEL: 'silent',
    REPORT_DIR: join(options.dir, 'reports'),
    IMPORT_ROOT: options.dir,
  };
}

function waitFor(child: ReturnType<typeof startChild>, isIt: (message: unknown) => boolean, timeoutMs: number, what: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const done = (settle: () => void): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      settle();
    };
    const onMessage = (message: unknown): void => {
      if (isIt(message)) done(() => resolve(message));
    };
    const onExit = (code: number | null): void => done(() => reject(new Error(`the sync worker exited (${String(code)}) while waiting for ${what}`)));
    const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))), timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
