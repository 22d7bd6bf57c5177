/**
 * Ingest at 10k, 100k and 1M rows, each in a fresh child process against a fresh private
 * redis-server, plus the building blocks alone (csv-parse, addBulk) on the 1M file as the ceiling.
 * The 1M run's Redis is handed on: the report benchmark writes the report of that very import.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from '../src/dev/private-redis.js';
import { runChild, type Cleanup } from './bench-process.js';
import type { CeilingChildInput, CeilingChildResult } from './ceiling-child.js';
import { generateCsv, type GeneratedFile } from './generate-csv.js';
import type { IngestChildInput, IngestChildResult } from './ingest-child.js';
import { redisCpuMs, redisUsedBytes, redisUsedMemoryMb } from './redis-stats.js';
import { callsPerJob } from '../jobs/sync-calls.job.js';

export interface IngestRun extends IngestChildResult {
  fileMb: number;
  rowsPerS: number;
  /** Redis server CPU during the ingest, and the memory its data took after (ledger + queued jobs). */
  redisCpuMs: number;
  redisUsedMemoryMb: number;
  /** INFO used_memory after ingest less before, per row: what an import waiting to sync holds. */
  redisBytesPerQueuedRow: number;
  file: GeneratedFile;
}

export interface IngestCeiling extends CeilingChildResult {
  /** Rows/s if ingest cost only parsing plus adding the same number of jobs: rows / (parse + addBulk time). */
  rowsPerS: number;
}

export interface IngestBench {
  runs: IngestRun[];
  ceiling: IngestCeiling;
  /** The largest run's Redis, still running (owned by the cleanup stack), for the report benchmark. */
  kept: { redis: PrivateRedis; prefix: string; importId: string; file: GeneratedFile };
}

export interface IngestBenchOptions {
  dir: string;
  sizes: number[];
  /** Write a CPU profile of the largest ingest into this folder. */
  cpuProfDir?: string;
  log: (line: string) => void;
}

export async function benchIngest(cleanup: Cleanup, options: IngestBenchOptions): Promise<IngestBench> {
  const runs: IngestRun[] = [];
  const largest = Math.max(...options.sizes);
  let kept: IngestBench['kept'] | undefined;
  for (const rows of options.sizes) {
    const file = await generateCsv(join(options.dir, `contacts-deals-${rows}.csv`), rows);
    const redis = await startPrivateRedis();
    const destroy = cleanup.add(`redis for ingest ${rows}`, () => redis.destroy());
    const importId = `bench-ingest-${rows}`;
    const prefix = 'bench';
    const admin = new Redis(redis.url, { lazyConnect: true });
    await admin.connect();
    try {
      const cpuBefore = await redisCpuMs(admin);
      const usedBefore = await redisUsedBytes(admin);
      const isLargest = rows === largest;
      const input: IngestChildInput = { redisUrl: redis.url, prefix, importId, csvPath: file.path };
      const result = await runChild<IngestChildResult>(cleanup, './ingest-child.ts', input);
      const run: IngestRun = {
        ...result,
        fileMb: Math.round(file.bytes / 1024 / 102.4) / 10,
        rowsPerS: Math.round(rows / (result.elapsedMs / 1000)),
        redisCpuMs: (await redisCpuMs(admin)) - cpuBefore,
        redisUsedMemoryMb: await redisUsedMemoryMb(admin),
        redisBytesPerQueuedRow: Math.round(((await redisUsedBytes(admin)) - usedBefore) / rows * 10) / 10,
        file,
      };
      runs.push(run);
      options.log(`ingest ${rows} rows: ${run.rowsPerS} rows/s, peak RSS ${run.maxRssMb} MB (heap ${run.atPeak.heapTotalMb}, external ${run.atPeak.externalMb}), ${run.plannedCalls} jobs`);
      if (isLargest) kept = { redis, prefix, importId, file };
    } finally {
      admin.disconnect();
      if (kept?.redis !== redis) await destroy();
    }
  }
  const ceiling = await benchCeiling(cleanup, kept!.file, runs.at(-1)!);
  options.log(`ceiling: csv-parse ${ceiling.parseRowsPerS} rows/s, addBulk ${ceiling.addBulkJobsPerS} jobs/s -> ${ceiling.rowsPerS} rows/s`);
  if (options.cpuProfDir !== undefined) await profileIngest(cleanup, kept!.file, options.cpuProfDir);
  return { runs, ceiling, kept: kept! };
}

/** Once more, under `--cpu-prof`, on a fresh Redis: the profiler slows the run, so its figures are not kept. */
async function profileIngest(cleanup: Cleanup, file: GeneratedFile, cpuProfDir: string): Promise<void> {
  const redis = await startPrivateRedis();
  const destroy = cleanup.add('redis for the profiled ingest', () => redis.destroy());
  try {
    const input: IngestChildInput = { redisUrl: redis.url, prefix: 'bench', importId: 'bench-profiled', csvPath: file.path };
    await runChild<IngestChildResult>(cleanup, './ingest-child.ts', input, { cpuProfDir });
  } finally {
    await destroy();
  }
}

/** Each building block alone; addBulk on a sample of jobs (its rate does not depend on the count). */
async function benchCeiling(cleanup: Cleanup, file: GeneratedFile, run: IngestRun): Promise<IngestCeiling> {
  const redis = await startPrivateRedis();
  const destroy = cleanup.add('redis for the ceiling', () => redis.destroy());
  try {
    // The same jobs as ingest makes: `run.plannedCalls` calls packed `callsPerJob` to a job.
    const entriesPerCall = Math.max(1, Math.round(run.file.sendableRows / run.plannedCalls));
    const perJob = callsPerJob(run.plannedCalls);
    const jobs = Math.ceil(run.plannedCalls / perJob);
    const input: CeilingChildInput = { redisUrl: redis.url, prefix: 'ceiling', csvPath: file.path, jobs: Math.min(jobs, 50_000), callsPerJob: perJob, entriesPerCall };
    const result = await runChild<CeilingChildResult>(cleanup, './ceiling-child.ts', input);
    const seconds = file.rows / result.parseRowsPerS + jobs / result.addBulkJobsPerS;
    return { ...result, rowsPerS: Math.round(file.rows / seconds) };
  } finally {
    await destroy();
  }
}
