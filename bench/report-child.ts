/**
 * Writing one import's report, measured in its own process: `writeReportFor` (what finalize and
 * `relsync report` call) re-reads the input and looks every row's outcome up in the real run ledger.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { connectRedis, createRedis } from '../src/ledger/redis-connection.js';
import { RunLedger } from '../src/ledger/run-ledger.js';
import { loadProfile } from '../src/profile/profile.js';
import { writeReportFor } from '../src/usecases/finalize-import.js';
import { childMain, collectGarbage, MemorySampler, type MemoryFigures } from './bench-process.js';

export interface ReportChildInput {
  redisUrl: string;
  prefix: string;
  importId: string;
  csvPath: string;
  reportPath: string;
}

export interface ReportChildResult extends MemoryFigures {
  rows: number;
  success: number;
  error: number;
  skipped: number;
  elapsedMs: number;
  cpuMs: number;
}

async function run(input: ReportChildInput): Promise<ReportChildResult> {
  const redis = await connectRedis(createRedis(input.redisUrl, { persistent: true }), input.redisUrl);
  try {
    const ledger = new RunLedger(redis, input.prefix);
    const profile = await loadProfile('contacts-deals');
    collectGarbage();
    const memory = new MemorySampler();
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    // As finalize passes it: the CSV read the way ingest read it.
    const report = { importId: input.importId, sourcePath: input.csvPath, profile, reportPath: input.reportPath, csv: { delimiter: profile.csv?.delimiter } };
    const counts = await writeReportFor({ ledger, log: pino({ level: 'silent' }) }, report);
    const elapsedMs = Math.round(performance.now() - startedAt);
    const cpu = process.cpuUsage(cpuBefore);
    return {
      rows: counts.rows, success: counts.success, error: counts.error, skipped: counts.skipped,
      elapsedMs, cpuMs: Math.round((cpu.user + cpu.system) / 1000), ...memory.stop(),
    };
  } finally {
    await redis.quit();
  }
}

childMain(run);
