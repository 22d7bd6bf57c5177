/**
 * Integration harness, the one way a test stands up the system: a real Redis (the run's private
 * redis-server unless told, a fresh key prefix per harness), the simulator over real HTTP on
 * loopback, a temporary folder that is IMPORT_ROOT, and the configuration `relsync` would load there.
 * On top, either the real worker runtime in this process, wired as `relsync worker` wires it
 * (`startHarness`), or only the CLI's connections, with workers as real processes (`startProcessHarness`).
 * `close()` closes everything the harness started, newest first.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueueEvents } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, inject } from 'vitest';
import { registrationFor, type Queues } from '../../src/app/queues.js';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/app/worker-runtime.js';
import { openCliRuntime, type CliRuntime } from '../../src/cli/cli-runtime.js';
import { waitForImport } from '../../src/cli/progress.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { ImportRecord, RunLedger } from '../../src/ledger/run-ledger.js';
import { formatCsvRow } from '../../src/report/csv-format.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { openQueueEvents } from './queue-events.js';
import { testPrefix } from './redis.js';
import { readReport } from './reports.js';
import { spawnWorker, type RelsyncProcess } from './relsync-process.js';

export interface HarnessOptions {
  /** Simulator options over no latency and no jitter. */
  sim?: Partial<SimulatorOptions>;
  /** Environment over the harness's own (see `harnessEnv`). */
  env?: Record<string, string>;
  /** Default: the run's private redis-server. Tests that stop Redis or need a password pass their own. */
  redisUrl?: string;
  /** The incremental sync state's clock in the in-process worker runtime (startHarness only). */
  stateNow?: () => number;
}

/** What the harness and the tests need of a runtime: the worker runtime and the CLI's both have it. */
interface Connections {
  ledger: RunLedger;
  queues: Queues;
}

export interface BaseHarness<R extends Connections> {
  sim: RunningSimulator;
  config: Config;
  env: Record<string, string>;
  /** IMPORT_ROOT; reports go to `<dir>/reports`. Removed by `close()`. */
  dir: string;
  runtime: R;
  writeCsv(name: string, rows: string[][]): Promise<string>;
  importFile(file: string, profile?: string): Promise<string>;
  waitDone(importId: string): Promise<ImportRecord>;
  readReport(path: string): Promise<Array<Record<string, string>>>;
  /** Events of the imports queue, opened on first use and closed by `close()`. */
  importEvents(): Promise<QueueEvents>;
  close(): Promise<void>;
}

/** The worker runtime runs in this process. */
export interface Harness extends BaseHarness<WorkerRuntime> {
  /** Another worker runtime on the same Redis and config (a second `relsync worker`), closed by `close()`. */
  startWorkerRuntime(): Promise<WorkerRuntime>;
}

/** Workers are real `relsync worker` processes; `runtime` is the CLI's connections. */
export interface ProcessHarness extends BaseHarness<CliRuntime> {
  /** `count` worker processes on this harness's environment, killed (SIGKILL) by `close()`. */
  /** `env` is laid over the harness's environment for these workers only. */
  spawnWorkers(count: number, options?: { logLevel?: string; env?: Record<string, string> }): Promise<RelsyncProcess[]>;
}

function harnessEnv(sim: RunningSimulator, dir: string, redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    RELSYNC_PREFIX: testPrefix(),
    ZOHO_ACCOUNTS_URL: sim.url,
    ZOHO_CLIENT_ID: 'test-client',
    ZOHO_CLIENT_SECRET: 'test-client-secret-value',
    ZOHO_REFRESH_TOKEN: sim.options.refreshToken,
    REPORT_DIR: join(dir, 'reports'),
    IMPORT_ROOT: dir,
    LOG_LEVEL: 'silent',
    // Tests import the same file again on purpose; the dedup tests turn the window back on.
    RELSYNC_DEDUP_WINDOW_S: '0',
    ...extra,
  };
}

/** Closers run newest first; every one runs even if an earlier one fails, and the first failure is thrown. */
class Closers {
  private readonly closers: Array<() => Promise<unknown>> = [];

  add(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    let failure: unknown;
    for (const close of this.closers.splice(0).reverse()) {
      await close().catch((error: unknown) => {
        failure ??= error;
      });
    }
    if (failure !== undefined) throw failure;
  }
}

/** Starts the parts under the runtime, then the runtime; if anything fails, closes what started. */
async function startBase<R extends Connections>(
  options: HarnessOptions,
  closers: Closers,
  openRuntime: (config: Config) => Promise<R & { close(): Promise<unknown> }>,
): Promise<BaseHarness<R>> {
  try {
    const sim = await startSimulator({ latencyMs: 0, jitterMs: 0, ...options.sim });
    closers.add(() => sim.close());
    const dir = await mkdtemp(join(tmpdir(), 'relsync-it-'));
    closers.add(() => rm(dir, { recursive: true, force: true }));
    const env = harnessEnv(sim, dir, options.redisUrl ?? inject('redisUrl'), options.env);
    const config = loadConfig(env, { cwd: dir });
    const runtime = await openRuntime(config);
    closers.add(() => runtime.close());
    let events: Promise<QueueEvents> | undefined;
    return {
      sim, config, env, dir, runtime,
      async writeCsv(name, rows) {
        const path = join(dir, name);
        await writeFile(path, rows.map((cells) => formatCsvRow(cells)).join('\n') + '\n');
        return path;
      },
      async importFile(file, profile = 'contacts-deals') {
        const { importId } = await registerImport(registrationFor(config, runtime), { file, profile, origin: 'cli', cwd: dir });
        return importId;
      },
      waitDone: (importId) => waitForImport(runtime.ledger, importId, { pollMs: 50 }),
      readReport,
      importEvents() {
        events ??= openQueueEvents(config).then((opened) => {
          closers.add(() => opened.close());
          return opened;
        });
        return events;
      },
      close: () => closers.closeAll(),
    };
  } catch (error) {
    await closers.closeAll().catch(() => undefined);
    throw error;
  }
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const closers = new Closers();
  const quiet = pino({ level: 'silent' });
  const runtimeOptions = { stateNow: options.stateNow };
  const base = await startBase(options, closers, (config) => startWorkerRuntime(config, quiet, runtimeOptions));
  return {
    ...base,
    async startWorkerRuntime() {
      const runtime = await startWorkerRuntime(base.config, quiet, runtimeOptions);
      closers.add(() => runtime.close());
      return runtime;
    },
  };
}

export async function startProcessHarness(options: HarnessOptions = {}): Promise<ProcessHarness> {
  const closers = new Closers();
  const base = await startBase(options, closers, (config) => openCliRuntime(config, { persistent: true }));
  return {
    ...base,
    async spawnWorkers(count, spawnOptions = {}) {
      return Promise.all(Array.from({ length: count }, async () => {
        const worker = await spawnWorker({ ...base.env, ...spawnOptions.env }, { logLevel: spawnOptions.logLevel });
        closers.add(async () => {
          worker.kill('SIGKILL');
          await worker.exited;
        });
        return worker;
      }));
    },
  };
}

/**
 * One harness for a whole describe block, started before its first test and closed after its last:
 * `const harness = useHarnessForAll(() => startHarness());`, then `const h = harness();` in a test.
 */
export function useHarnessForAll<H extends BaseHarness<Connections>>(start: () => Promise<H>): () => H {
  let started: H | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    await started?.close();
  });
  return () => {
    if (started === undefined) throw new Error('useHarnessForAll: the harness starts in beforeAll; read it in a test');
    return started;
  };
}
