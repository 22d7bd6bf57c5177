/**
 * `npm run bench`: relsync measured against the limits it chases, each figure next to its limit.
 *   1. ingest of generated 10k / 100k / 1M-row files (child process, private redis-server);
 *   2. sync against the simulator's concurrency ceiling at C=10 and C=25, 100 ms per call;
 *   3. the report of the 1M-row import;
 *   4. calls per 1,000 rows against the fewest possible;
 *   5. Redis bytes per queued row (after the 1M ingest) and per finished row (the ledger, after the report's prefill);
 *   6. end to end: `relsync import --wait` of 1,600 single-pair calls at C=8, 40 ms, against its 8.0 s ceiling;
 *   7. with --big only: a 10M-row file through ingest and the report (peak RSS, Redis peak, report vs csv-parse).
 * Prints a table, writes bench/results/latest.json. Flags: --quick (10k/100k rows, short sync runs:
 * a smoke test, its figures are not the targets'), --cpu-prof (CPU profile of the largest ingest, top
 * self-time functions printed and saved), --big (adds phase 7; minutes, ~2 GB of temporary disk),
 * --incremental-only (incremental sync alone, incremental-bench.ts: a 1M-row file, or 100k with --quick;
 * writes bench/results/incremental.json), --sync-only and --end-to-end-only (phase 2 or 6 alone, or
 * both; writes bench/results/phases.json).
 * Everything it starts (redis-servers, the simulator, children, temp files) is stopped on exit,
 * failure or Ctrl-C.
 */
import { setMaxListeners } from 'node:events';
import { mkdir, mkdtemp, rename, rm, writeFile, readdir } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { Cleanup, compileForChildren } from './bench-process.js';
import { benchIngest, type IngestBench } from './ingest-bench.js';
import { summarizeProfile, type SelfTime } from './profile-summary.js';
import { redisVersion } from './redis-stats.js';
import { benchReport, type ReportBench } from './report-bench.js';
import { benchSync, type SyncRun } from './sync-bench.js';
import { benchBig } from './big-bench.js';
import { benchEndToEnd } from './end-to-end-bench.js';
import { endToEndTargets, evaluate, formatGrowth, formatTable, INGEST_RSS_MB, syncTargets, type Efficiency } from './targets.js';
import { generateCsv } from './generate-csv.js';
import { benchIncremental, incrementalTargets } from './incremental-bench.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const LATENCY_MS = 100;
const ENTRIES_PER_CALL = 5;

interface Flags {
  quick: boolean;
  cpuProf: boolean;
  big: boolean;
  incrementalOnly: boolean;
  syncOnly: boolean;
  endToEndOnly: boolean;
}

function parseFlags(argv: string[]): Flags {
  const known = new Set(['--quick', '--cpu-prof', '--big', '--incremental-only', '--sync-only', '--end-to-end-only']);
  const unknown = argv.filter((arg) => !known.has(arg));
  if (unknown.length > 0) throw new Error(`unknown flag(s) ${unknown.join(' ')}; expected --quick, --cpu-prof, --big, --incremental-only, --sync-only, --end-to-end-only`);
  return {
    quick: argv.includes('--quick'), cpuProf: argv.includes('--cpu-prof'), big: argv.includes('--big'), incrementalOnly: argv.includes('--incremental-only'),
    syncOnly: argv.includes('--sync-only'), endToEndOnly: argv.includes('--end-to-end-only'),
  };
}

/** Sync (phase 2) and / or end to end (phase 6) alone: their targets, written to bench/results/phases.json. */
async function runPhasesOnly(cleanup: Cleanup, dir: string, build: string, flags: Flags, log: (line: string) => void): Promise<void> {
  const loadStart = loadavg().map((n) => Math.round(n * 100) / 100);
  const sync: SyncRun[] = [];
  if (flags.syncOnly) {
    for (const [concurrency, calls] of syncRuns(flags)) sync.push(await benchSync(cleanup, { concurrency, calls, latencyMs: LATENCY_MS, entriesPerCall: ENTRIES_PER_CALL, dir, log }));
  }
  const endToEnd = flags.endToEndOnly ? await benchEndToEnd(cleanup, END_TO_END(dir, build, log)) : undefined;
  const targets = [...(endToEnd ? endToEndTargets(endToEnd) : []), ...syncTargets(sync)];
  const loadEnd = loadavg().map((n) => Math.round(n * 100) / 100);
  await mkdir(RESULTS_DIR, { recursive: true });
  const target = join(RESULTS_DIR, 'phases.json');
  await writeFile(target, `${JSON.stringify({ date: new Date().toISOString(), quick: flags.quick, loadAverage: { start: loadStart, end: loadEnd }, sync, endToEnd, targets }, null, 2)}\n`);
  process.stdout.write(`\nload ${loadStart.join(' ')} → ${loadEnd.join(' ')}\n\n${formatTable(targets)}\n`);
  if (endToEnd) process.stdout.write(`\nEnd to end, where the ${endToEnd.elapsedMs} ms went: ${Object.entries(endToEnd.phases).map(([name, ms]) => `${name} ${ms} ms`).join(', ')}\n`);
  process.stdout.write(`\nwritten: ${target}\n`);
}

/** [C, calls] of each sync run: about 30 s at the ceiling (3 s with --quick). */
function syncRuns(flags: Pick<Flags, 'quick'>): Array<[number, number]> {
  return flags.quick ? [[10, 300], [25, 750]] : [[10, 3_000], [25, 7_500]];
}

const END_TO_END = (dir: string, build: string, log: (line: string) => void) => ({ rows: 1_600, concurrency: 8, latencyMs: 40, dir, build, log });

/** Incremental sync alone: its own generated file, its own results file. */
async function runIncrementalOnly(cleanup: Cleanup, dir: string, flags: Flags, log: (line: string) => void): Promise<void> {
  const rows = flags.quick ? 100_000 : 1_000_000;
  const file = await generateCsv(join(dir, `contacts-deals-${rows}.csv`), rows);
  const incremental = await benchIncremental(cleanup, file, dir, log);
  const targets = incrementalTargets(incremental, INGEST_RSS_MB);
  await mkdir(RESULTS_DIR, { recursive: true });
  const target = join(RESULTS_DIR, 'incremental.json');
  await writeFile(target, `${JSON.stringify({ date: new Date().toISOString(), quick: flags.quick, incremental, targets }, null, 2)}\n`);
  process.stdout.write(`\n${formatTable(targets)}\n\nwritten: ${target}\n`);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  // The simulator (in this process) waits on one AbortSignal per call in flight: 25 at C=25.
  setMaxListeners(100);
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    void cleanup.runAll().finally(() => {
      process.stderr.write('bench: interrupted; everything it started has been stopped\n');
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const log = (line: string): void => {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  };
  try {
    const dir = await mkdtemp(join(tmpdir(), 'relsync-bench-'));
    cleanup.add('temp folder', () => rm(dir, { recursive: true, force: true }));
    const machine = await describeMachine();
    log('compiling src/, jobs/ and bench/ for the child processes');
    const build = await compileForChildren();
    cleanup.add('compiled children', () => rm(build, { recursive: true, force: true }));
    if (flags.incrementalOnly) return await runIncrementalOnly(cleanup, dir, flags, log);
    if (flags.syncOnly || flags.endToEndOnly) return await runPhasesOnly(cleanup, dir, build, flags, log);
    const profileDir = flags.cpuProf ? join(RESULTS_DIR, 'cpu-profiles') : undefined;
    if (profileDir) await rm(profileDir, { recursive: true, force: true });

    const sizes = flags.quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
    const ingest = await benchIngest(cleanup, { dir, sizes, cpuProfDir: profileDir && join(profileDir, 'ingest'), log });
    const report = await benchReport(cleanup, ingest.kept, dir, log);
    await ingest.kept.redis.destroy();
    const incremental = await benchIncremental(cleanup, ingest.kept.file, dir, log);

    const sync: SyncRun[] = [];
    for (const [concurrency, calls] of syncRuns(flags)) {
      sync.push(await benchSync(cleanup, { concurrency, calls, latencyMs: LATENCY_MS, entriesPerCall: ENTRIES_PER_CALL, dir, log }));
    }

    const endToEnd = await benchEndToEnd(cleanup, END_TO_END(dir, build, log));
    const big = flags.big ? await benchBig(cleanup, { dir, rows: 10_000_000, log }) : undefined;

    if (profileDir) {
      // Profiled apart from the measured runs: the profiler costs time.
      const [concurrency, calls] = flags.quick ? [25, 750] : [25, 2_500];
      await benchSync(cleanup, { concurrency, calls, latencyMs: LATENCY_MS, entriesPerCall: ENTRIES_PER_CALL, dir, cpuProfDir: join(profileDir, 'sync-worker'), log });
    }

    const efficiency = efficiencyOf(ingest);
    const profile = profileDir
      ? { ingest: await topFunctions(join(profileDir, 'ingest')), syncWorker: await topFunctions(join(profileDir, 'sync-worker')) }
      : undefined;
    const results = {
      date: new Date().toISOString(),
      quick: flags.quick,
      machine: { ...machine, loadAverageEnd: loadavg().map((n) => Math.round(n * 100) / 100) },
      ingest, report, sync, efficiency, endToEnd, big,
      incremental,
      targets: [...evaluate({ ingest, report, sync, efficiency, endToEnd, big, quick: flags.quick }), ...incrementalTargets(incremental, INGEST_RSS_MB)],
      cpuProfile: profile,
    };
    const { kept: _kept, ...ingestOut } = ingest;
    const json = `${JSON.stringify({ ...results, ingest: ingestOut }, null, 2)}\n`;
    await mkdir(RESULTS_DIR, { recursive: true });
    const target = join(RESULTS_DIR, flags.quick ? 'quick.json' : 'latest.json');
    await writeFile(`${target}.tmp`, json);
    await rename(`${target}.tmp`, target);

    process.stdout.write(`\nrelsync benchmark — ${results.date} — ${machine.cpuModel} ×${machine.cpus}, ${machine.memoryGb} GB, Node ${machine.node}, Redis ${machine.redis}, load ${machine.loadAverageStart.join(' ')} → ${results.machine.loadAverageEnd.join(' ')}\n\n`);
    process.stdout.write(`${formatTable(results.targets)}\n\n${formatGrowth(ingest.runs)}\n`);
    const phases = Object.entries(endToEnd.phases).map(([name, ms]) => `${name} ${ms} ms`).join(', ');
    process.stdout.write(`\nEnd to end, where the ${endToEnd.elapsedMs} ms went: ${phases}\n`);
    if (profile) {
      const list = (top: SelfTime[]): string => top.map((f) => `  ${String(f.share).padStart(5)}%  ${f.fn}  ${f.where}`).join('\n');
      process.stdout.write(`\nTop self time, ${sizes.at(-1)}-row ingest child (a separate, profiled run):\n${list(profile.ingest)}\n`);
      process.stdout.write(`\nTop self time, sync worker at C=25 (a separate, profiled run):\n${list(profile.syncWorker)}\n`);
    }
    process.stdout.write(`\nwritten: ${target}\n`);
  } catch (error) {
    if (!interrupted) throw error; // else a child killed by the interruption: the signal handler reports
  } finally {
    await cleanup.runAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function describeMachine() {
  const redis = await startPrivateRedis();
  const client = new Redis(redis.url, { lazyConnect: true });
  try {
    await client.connect();
    return {
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      cpus: cpus().length,
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      os: `${process.platform} ${release()}`,
      node: process.versions.node,
      redis: await redisVersion(client),
      /** Other work on the machine inflates wall-clock figures (CPU-time figures much less). */
      loadAverageStart: loadavg().map((n) => Math.round(n * 100) / 100),
    };
  } finally {
    client.disconnect();
    await redis.destroy();
  }
}

function efficiencyOf(ingest: IngestBench): Efficiency {
  const run = ingest.runs.at(-1)!;
  const sent = run.file.sendableRows;
  return {
    rows: run.rows,
    sentRows: sent,
    calls: run.plannedCalls,
    minimumCalls: run.file.minimumCalls,
    rowsPerCall: Math.round((sent / run.plannedCalls) * 100) / 100,
    callsPer1000Rows: Math.round((run.plannedCalls / run.rows) * 1000 * 1000) / 1000,
    minimumCallsPer1000Rows: Math.round((run.file.minimumCalls / run.rows) * 1000 * 1000) / 1000,
  };
}

async function topFunctions(profileDir: string): Promise<SelfTime[]> {
  // The main thread's profile is the largest (tsx's loader thread writes a small one beside it).
  const files = (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile')).sort();
  let best: SelfTime[] = [];
  let bestMs = -1;
  for (const name of files) {
    const top = await summarizeProfile(join(profileDir, name), 15);
    const ms = top.reduce((sum, f) => sum + f.ms, 0);
    if (ms > bestMs) [best, bestMs] = [top, ms];
  }
  return best;
}

export type { ReportBench };

await main();
