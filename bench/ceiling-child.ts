/**
 * The building blocks of ingest, measured alone in a fresh process so ingest can be held against
 * them: csv-parse reading the file as arrays (no row check, no grouping), and BullMQ addBulk of
 * sync-calls jobs shaped like the file's (same data layout, options, priority and parent, 500 per call, one
 * call at a time).
 */
import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parse } from 'csv-parse';
import { Queue } from 'bullmq';
import { JobName, QueueName } from '../jobs/queues.js';
import { syncCallsBulkJob, syncCallsPriority, type SyncCallsJobData, type SyncCallsPayload } from '../jobs/sync-calls.job.js';
import { connectRedis, createRedis } from '../src/ledger/redis-connection.js';
import { childMain } from './bench-process.js';

export interface CeilingChildInput {
  redisUrl: string;
  prefix: string;
  csvPath: string;
  jobs: number;
  /** Calls per job and entries per call, as ingest packs them for this file. */
  callsPerJob: number;
  entriesPerCall: number;
}

export interface CeilingChildResult {
  parseRows: number;
  parseRowsPerS: number;
  addBulkJobs: number;
  addBulkJobsPerS: number;
}

async function run(input: CeilingChildInput): Promise<CeilingChildResult> {
  const parsed = await parseOnly(input.csvPath);
  const added = await addBulkOnly(input);
  return { parseRows: parsed.rows, parseRowsPerS: Math.round(parsed.rows / (parsed.ms / 1000)), addBulkJobs: input.jobs, addBulkJobsPerS: Math.round(input.jobs / (added / 1000)) };
}

async function parseOnly(path: string): Promise<{ rows: number; ms: number }> {
  const startedAt = performance.now();
  let rows = 0;
  const parser = createReadStream(path, { highWaterMark: 64 * 1024 }).pipe(parse({ relax_column_count: true, skip_empty_lines: true }));
  for await (const _record of parser) rows++;
  return { rows: rows - 1, ms: performance.now() - startedAt };
}

async function addBulkOnly(input: CeilingChildInput): Promise<number> {
  const redis = await connectRedis(createRedis(input.redisUrl, { persistent: true }), input.redisUrl);
  const sync = new Queue<SyncCallsJobData>(QueueName.sync, { connection: redis, prefix: input.prefix });
  const imports = new Queue(QueueName.imports, { connection: redis, prefix: input.prefix });
  try {
    const parent = await imports.add(JobName.import, {}, { jobId: 'ceiling' });
    const parentRef = { id: parent.id!, queue: parent.queueQualifiedName };
    const fields = { Contact_Role: '111111000000026002' };
    const priority = syncCallsPriority(input.jobs * input.callsPerJob);
    const startedAt = performance.now();
    for (let first = 0; first < input.jobs; first += 500) {
      const jobs = [];
      for (let seq = first; seq < Math.min(first + 500, input.jobs); seq++) {
        const calls = Array.from({ length: input.callsPerJob }, (_, c) => {
          const call = seq * input.callsPerJob + c;
          const entries = Array.from({ length: input.entriesPerCall }, (_, k) => ({ row: call * input.entriesPerCall + k + 1, related: `D-${String(call + k).padStart(6, '0')}`, fields }));
          return { base: `C-${String(call).padStart(7, '0')}`, entries };
        });
        const data: SyncCallsPayload = { importId: 'ceiling', seq, calls };
        jobs.push(syncCallsBulkJob(data, { maxAttempts: 5, priority, parent: parentRef }));
      }
      await sync.addBulk(jobs);
    }
    return performance.now() - startedAt;
  } finally {
    await Promise.all([sync.close(), imports.close()]);
    await redis.quit();
  }
}

childMain(run);
