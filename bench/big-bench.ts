/**
 * `--big`: a 10M-row file through ingest and the report, each as the 1M-row phases measure them (a
 * child process, a private redis-server), plus the most memory that Redis held over the whole phase
 * (INFO used_memory_peak: ingest's queued jobs, then every row's outcome). Opt-in: it takes minutes
 * and about 2 GB of disk in the temporary folder.
 */
import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { rowOffsetsPath } from '../src/csv/row-offsets.js';
import type { Cleanup } from './bench-process.js';
import { benchIngest } from './ingest-bench.js';
import { redisUsedBytes } from './redis-stats.js';
import { benchReport } from './report-bench.js';
import type { BigRun } from './targets.js';

export async function benchBig(cleanup: Cleanup, options: { dir: string; rows: number; log: (line: string) => void }): Promise<BigRun> {
  const ingest = await benchIngest(cleanup, { dir: options.dir, sizes: [options.rows], log: options.log });
  const { kept } = ingest;
  try {
    const report = await benchReport(cleanup, kept, options.dir, options.log);
    const admin = new Redis(kept.redis.url, { lazyConnect: true });
    await admin.connect();
    const redisPeakMb = Math.round((await redisUsedBytes(admin, true)) / 1024 / 102.4) / 10;
    admin.disconnect();
    const run = ingest.runs[0]!;
    options.log(`--big ${options.rows} rows: ingest peak RSS ${run.maxRssMb} MB, Redis peak ${redisPeakMb} MB, report ${report.rowsPerS} rows/s (csv-parse alone ${ingest.ceiling.parseRowsPerS})`);
    return { rows: options.rows, ingestMaxRssMb: run.maxRssMb, redisPeakMb, reportRowsPerS: report.rowsPerS, parseRowsPerS: ingest.ceiling.parseRowsPerS };
  } finally {
    await kept.redis.destroy();
    await Promise.all([kept.file.path, rowOffsetsPath(kept.file.path)].map((path) => rm(path, { force: true })));
  }
}
