/**
 * One ingest, measured in its own process: `ingestImport` with the real RunLedger and the real BullMQ
 * enqueue (addBulk of sync-calls jobs with the import processor's data, options and priority, each a
 * child of an import job: `syncCallsBulkJob`, as `addSyncJobs` in import.processor.ts does), against the Redis the parent started.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { JobName } from '../jobs/queues.js';
import { syncCallsBulkJob, syncCallsPriority, type SyncCallsPayload } from '../jobs/sync-calls.job.js';
import { Lifecycle } from '../src/app/lifecycle.js';
import { openQueues } from '../src/app/queues.js';
import { DEFAULT_MAX_FIELD_BYTES } from '../src/csv/csv-reader.js';
import { rowOffsetsPath } from '../src/csv/row-offsets.js';
import { connectRedis, createRedis } from '../src/ledger/redis-connection.js';
import { RunLedger } from '../src/ledger/run-ledger.js';
import { loadProfile } from '../src/profile/profile.js';
import { ingestImport, type IngestResult } from '../src/usecases/ingest-import.js';
import { childMain, collectGarbage, MemorySampler, type MemoryFigures, round1 } from './bench-process.js';

export interface IngestChildInput {
  redisUrl: string;
  prefix: string;
  importId: string;
  csvPath: string;
  /** Sync-batch jobs per addBulk; default: ingest's own default. */
  enqueueCalls?: number;
}

export interface IngestChildResult extends IngestResult, MemoryFigures {
  elapsedMs: number;
  /** Until the first batch was handed to the queue: parse, check, group, outcomes of refused rows. */
  parseAndGroupMs: number;
  /** From then on: building the payloads and addBulk round trips. */
  enqueueMs: number;
  jobsInQueue: number;
  heapUsedAfterMb: number;
  /** CPU time of this process during the ingest (user + system): what the machine's load cannot inflate much. */
  cpuMs: number;
}

const MAX_ATTEMPTS = 5;

async function run(input: IngestChildInput): Promise<IngestChildResult> {
  const lifecycle = new Lifecycle();
  const redis = await connectRedis(createRedis(input.redisUrl, { persistent: true }), input.redisUrl);
  lifecycle.add('redis', () => redis.quit());
  try {
    const queues = openQueues(redis, input.prefix, lifecycle);
    const ledger = new RunLedger(redis, input.prefix);
    const profile = await loadProfile('contacts-deals');
    await ledger.createImport({
      id: input.importId, origin: 'bench', source: input.csvPath, sourceName: 'bench.csv',
      profileName: 'contacts-deals', profileJson: JSON.stringify(profile),
    });
    const parent = await queues.imports.add(JobName.import, { source: { path: input.csvPath }, profile: 'contacts-deals' }, { jobId: input.importId });
    const parentRef = { id: parent.id!, queue: parent.queueQualifiedName };
    const enqueue = async (jobs: SyncCallsPayload[], plannedCalls: number): Promise<void> => {
      firstEnqueueAt ??= performance.now();
      // As the import processor enqueues them: packed (deflated), with its options and priority.
      await queues.sync.addBulk(jobs.map((job) => syncCallsBulkJob(job, { maxAttempts: MAX_ATTEMPTS, priority: syncCallsPriority(plannedCalls), parent: parentRef })));
    };

    let firstEnqueueAt: number | undefined;
    collectGarbage();
    const memory = new MemorySampler();
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    const result = await ingestImport(
      // The bench's roles are ids: no lookup table is read (and there is no Zoho here to read one from).
      { ledger, log: pino({ level: 'silent' }), limits: { maxRows: 10_000_000, maxFieldBytes: DEFAULT_MAX_FIELD_BYTES }, lookups: 'unchecked' },
      // The rows' byte ranges beside the input, as the import processor writes them beside its copy.
      { importId: input.importId, sourcePath: input.csvPath, sourceName: 'bench.csv', profile, enqueue, enqueueCalls: input.enqueueCalls, rowOffsets: rowOffsetsPath(input.csvPath) },
    );
    const endedAt = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    const rss = memory.stop();
    const heapUsedAfterMb = round1(process.memoryUsage().heapUsed / 1024 / 1024);
    const jobsInQueue = await queues.sync.getJobCountByTypes('wait', 'prioritized', 'waiting-children');
    const split = firstEnqueueAt ?? endedAt;
    return {
      ...result,
      elapsedMs: Math.round(endedAt - startedAt),
      parseAndGroupMs: Math.round(split - startedAt),
      enqueueMs: Math.round(endedAt - split),
      jobsInQueue,
      ...rss,
      heapUsedAfterMb,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
  } finally {
    await lifecycle.closeAll(10_000);
  }
}

childMain(run);
