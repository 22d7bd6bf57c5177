/**
 * A small import end to end, where fixed costs are the whole story: 1,600 rows, each its own contact
 * and deal (1,600 single-pair calls), the simulator capped at 8 calls in flight at 40 ms each, so no
 * import can take less than 1,600 × 40 / 8 = 8.0 s. A `relsync worker` child runs already (a deployed
 * worker does); the figure is the `relsync import <file> --wait` process, from its start to its exit
 * with the report written. Also started: node itself, the CLI's connections, registering and copying
 * the input, ingest, the first token, the jobs' pick-up, the report.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { RunLedger } from '../src/ledger/run-ledger.js';
import { startSimulator } from '../src/simulator/index.js';
import { killChild, startChild, type Cleanup } from './bench-process.js';

export interface EndToEndRun {
  rows: number;
  concurrency: number;
  latencyMs: number;
  /** rows × latency / C: the least time any import of the file can take. */
  ceilingMs: number;
  elapsedMs: number;
  /** ceilingMs / elapsedMs. */
  share: number;
  calls: number;
  tooManyRequests: number;
  reportRows: number;
  /** Where the time went, in ms, in order: they add up to elapsedMs (each from the ledger's times or the simulator, sampled every 5 ms). */
  phases: {
    /** Node starting, the CLI loading, connecting, copying the input, recording the import. */
    cliToRecorded: number;
    /** Until a worker started the import job. */
    recordedToStarted: number;
    /** Ingest, enqueueing, the sync jobs' pick-up and the first token: until the first call reached Zoho. */
    startedToFirstCall: number;
    /** The calls themselves, against their ceiling. */
    firstCallToLastAnswer: number;
    /** The import job's wake-up, rows without outcome, the report. */
    lastAnswerToFinished: number;
    /** The CLI seeing the end (it polls), printing, exiting. */
    finishedToExit: number;
  };
}

export interface EndToEndOptions {
  rows: number;
  concurrency: number;
  latencyMs: number;
  dir: string;
  build: string;
  log: (line: string) => void;
}

export async function benchEndToEnd(cleanup: Cleanup, options: EndToEndOptions): Promise<EndToEndRun> {
  const redis = await startPrivateRedis();
  const destroyRedis = cleanup.add('redis for end to end', () => redis.destroy());
  const sim = await startSimulator({ latencyMs: options.latencyMs, jitterMs: 0, concurrency: options.concurrency, credits: 100_000_000, contacts: options.rows, deals: options.rows });
  const closeSim = cleanup.add('simulator for end to end', () => sim.close());
  try {
    const { dataset } = sim;
    const lines = ['contact_ext_id,deal_ext_id,contact_role'];
    for (let i = 0; i < options.rows; i++) lines.push(`${dataset.contacts[i]!.External_Contact_ID},${dataset.deals[i]!.External_Deal_ID},${dataset.contactRoles[0]!.id}`);
    const file = join(options.dir, 'end-to-end.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    const reportPath = join(options.dir, 'end-to-end.report.csv');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: redis.url, RELSYNC_PREFIX: 'bench-e2e',
      ZOHO_ACCOUNTS_URL: sim.url, ZOHO_CLIENT_ID: 'bench-client', ZOHO_CLIENT_SECRET: 'bench-client-secret', ZOHO_REFRESH_TOKEN: sim.options.refreshToken,
      ZOHO_CONCURRENCY: String(options.concurrency), LOG_LEVEL: 'silent', REPORT_DIR: join(options.dir, 'e2e-reports'), IMPORT_ROOT: options.dir,
    };
    const worker = startChild('./sync-worker-child.ts', null, { env });
    const stopWorker = cleanup.add('end-to-end worker', () => killChild(worker));
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('exit', (code) => reject(new Error(`the end-to-end worker exited (${String(code)}) before it was ready`)));
    });
    const cli = join(options.build, 'workers', 'relsync.js');
    const calls = { first: 0, last: 0 };
    let answered = 0;
    const sampler = setInterval(() => {
      const counters = sim.counters;
      const now = Date.now();
      if (counters.calls > 0 && calls.first === 0) calls.first = now;
      const total = Object.values(counters.byStatus).reduce((sum, count) => sum + count, 0);
      if (total > answered) [answered, calls.last] = [total, now];
    }, 5);
    const startedAt = performance.now();
    const startedAtMs = Date.now();
    let stdout = '';
    try {
      stdout = (await promisify(execFile)(process.execPath, [cli, 'import', file, '--wait', '--report', reportPath], { env, cwd: options.dir }).catch((error: { code?: number; stdout?: string; stderr?: string }) => {
        // Exit 2 (rows in error) still ends with the report written; anything else is a failed run.
        if (error.code !== 2) throw new Error(`relsync import exited ${String(error.code)}: ${error.stderr ?? ''}`);
        return { stdout: error.stdout ?? '' };
      })).stdout;
    } finally {
      clearInterval(sampler);
    }
    const elapsedMs = Math.round(performance.now() - startedAt);
    const endedAtMs = startedAtMs + elapsedMs;
    const admin = new Redis(redis.url);
    const record = await new RunLedger(admin, 'bench-e2e').getImport(stdout.trim().split('\n')[0] ?? '');
    admin.disconnect();
    const phases = {
      cliToRecorded: (record?.createdAt ?? startedAtMs) - startedAtMs,
      recordedToStarted: (record?.startedAt ?? 0) - (record?.createdAt ?? 0),
      startedToFirstCall: calls.first - (record?.startedAt ?? 0),
      firstCallToLastAnswer: calls.last - calls.first,
      lastAnswerToFinished: (record?.finishedAt ?? 0) - calls.last,
      finishedToExit: endedAtMs - (record?.finishedAt ?? 0),
    };
    await stopWorker();
    const reportRows = (await readFile(reportPath, 'utf8')).trimEnd().split('\n').length - 1;
    const ceilingMs = (options.rows * options.latencyMs) / options.concurrency;
    const run: EndToEndRun = {
      rows: options.rows, concurrency: options.concurrency, latencyMs: options.latencyMs, ceilingMs, elapsedMs,
      share: Math.round((ceilingMs / elapsedMs) * 1000) / 1000, phases, calls: sim.counters.calls, tooManyRequests: Object.values(sim.counters.tooManyRequests).reduce((a, b) => a + b, 0), reportRows,
    };
    options.log(`end to end ${run.rows} single-pair calls at C=${run.concurrency}, ${run.latencyMs} ms: ${elapsedMs} ms (ceiling ${ceilingMs} ms, ${run.share}), report ${reportRows} rows; ${JSON.stringify(phases)}`);
    return run;
  } finally {
    await closeSim();
    await destroyRedis();
  }
}
