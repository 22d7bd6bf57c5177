/**
 * The report of the 1M-row import: the ledger already holds the outcomes ingest recorded (refused and
 * superseded rows); every other row gets a success outcome as the sync worker records them (through
 * RunLedger.recordOutcomes, 100 rows per call like one batch), then a fresh child writes the report.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { RowOutcome } from '../src/domain/row-outcome.js';
import { RunLedger } from '../src/ledger/run-ledger.js';
import { runChild, type Cleanup } from './bench-process.js';
import type { IngestBench } from './ingest-bench.js';
import { keysBytes } from './redis-stats.js';
import type { ReportChildInput, ReportChildResult } from './report-child.js';

export interface ReportBench extends ReportChildResult {
  rowsPerS: number;
  /** MEMORY USAGE of the import's ledger keys (record, outcomes) per row, every row finished: what retention keeps. */
  ledgerBytesPerRow: number;
  /** Filling the ledger beforehand: recordOutcomes calls of 100 rows, 8 in flight (as 8 sync workers would). */
  prefill: { rows: number; rowsPerS: number };
}

const ROWS_PER_RECORD_CALL = 100;
const RECORD_CALLS_IN_FLIGHT = 8;

export async function benchReport(cleanup: Cleanup, kept: IngestBench['kept'], dir: string, log: (line: string) => void): Promise<ReportBench> {
  const prefill = await prefillOutcomes(kept);
  log(`ledger prefill: ${prefill.rowsPerS} outcomes/s`);
  const ledgerBytesPerRow = await ledgerBytes(kept);
  log(`ledger of the finished import: ${ledgerBytesPerRow} bytes/row`);
  const input: ReportChildInput = {
    redisUrl: kept.redis.url, prefix: kept.prefix, importId: kept.importId, csvPath: kept.file.path,
    reportPath: join(dir, `${kept.importId}.report.csv`),
  };
  const result = await runChild<ReportChildResult>(cleanup, './report-child.ts', input);
  const rowsPerS = Math.round(result.rows / (result.elapsedMs / 1000));
  log(`report ${result.rows} rows: ${rowsPerS} rows/s, peak RSS ${result.maxRssMb} MB`);
  return { ...result, rowsPerS, prefill, ledgerBytesPerRow };
}

async function ledgerBytes(kept: IngestBench['kept']): Promise<number> {
  const redis = new Redis(kept.redis.url, { lazyConnect: true });
  await redis.connect();
  try {
    const { bytes } = await keysBytes(redis, `${kept.prefix}:ledger:import:${kept.importId}*`);
    return Math.round((bytes / kept.file.rows) * 10) / 10;
  } finally {
    redis.disconnect();
  }
}

async function prefillOutcomes(kept: IngestBench['kept']): Promise<ReportBench['prefill']> {
  const redis = new Redis(kept.redis.url, { lazyConnect: true });
  await redis.connect();
  try {
    const ledger = new RunLedger(redis, kept.prefix);
    const rows = kept.file.rows;
    let next = 1;
    const lane = async (): Promise<void> => {
      while (next <= rows) {
        const first = next;
        next += ROWS_PER_RECORD_CALL;
        const outcomes: RowOutcome[] = [];
        for (let row = first; row < Math.min(first + ROWS_PER_RECORD_CALL, rows + 1); row++) {
          outcomes.push({ row, status: 'success', code: 'SUCCESS', message: 'relation updated', zohoId: `111111002${String(row).padStart(9, '0')}` });
        }
        await ledger.recordOutcomes(kept.importId, outcomes); // rows ingest already settled keep their outcome
      }
    };
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: RECORD_CALLS_IN_FLIGHT }, lane));
    return { rows, rowsPerS: Math.round(rows / ((performance.now() - startedAt) / 1000)) };
  } finally {
    redis.disconnect();
  }
}
