/**
 * The incremental phase, in its own process against the Redis the parent started:
 *   1. last night's import of the export: ingested, and each planned call answered SUCCESS for every
 *      entry, recorded as the sync worker records it (`recordOutcomes` with the pairs' state, the one
 *      script of run-ledger.ts): not measured, it only leaves the state a real night leaves;
 *   2. tonight's export, ingested with `incremental`, its calls added to BullMQ as ingest-child.ts
 *      adds them: measured (time, CPU, peak RSS, calls planned);
 *   3. the state's Redis memory per pair (MEMORY USAGE of its buckets).
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { JobName } from '../jobs/queues.js';
import { syncCallsJobId, syncCallsJobOptions, type SyncCallsPayload } from '../jobs/sync-calls.job.js';
import { Lifecycle } from '../src/app/lifecycle.js';
import { openQueues } from '../src/app/queues.js';
import { DEFAULT_MAX_FIELD_BYTES } from '../src/csv/csv-reader.js';
import { connectRedis, createRedis } from '../src/ledger/redis-connection.js';
import { RunLedger } from '../src/ledger/run-ledger.js';
import { SyncStateStore, type PairStateChange } from '../src/ledger/sync-state.js';
import { dayOf, fieldsDigest, syncTargetOf } from '../src/plan/pair-state.js';
import { loadProfile, type Profile } from '../src/profile/profile.js';
import { ingestImport, type IngestResult } from '../src/usecases/ingest-import.js';
import { childMain, collectGarbage, MemorySampler, type MemoryFigures } from './bench-process.js';

export interface IncrementalChildInput {
  redisUrl: string;
  prefix: string;
  /** `seed`: step 1 (last night); `measure`: steps 2 and 3, in a process of their own (its RSS is theirs alone). */
  phase: 'seed' | 'measure';
  /** Last night's export, or tonight's. */
  csvPath: string;
}

export interface SeedChildResult { seedMs: number }

export interface IncrementalChildResult extends IngestResult, MemoryFigures {
  elapsedMs: number;
  cpuMs: number;
  statePairs: number;
  stateMemoryBytes: number;
}

const MAX_ATTEMPTS = 5;
const LIMITS = { maxRows: 10_000_000, maxFieldBytes: DEFAULT_MAX_FIELD_BYTES };
/** Calls recorded at once while seeding (each its own script, as the sync worker runs them). */
const SEED_IN_FLIGHT = 200;

async function run(input: IncrementalChildInput): Promise<IncrementalChildResult | SeedChildResult> {
  const lifecycle = new Lifecycle();
  const redis = await connectRedis(createRedis(input.redisUrl, { persistent: true }), input.redisUrl);
  lifecycle.add('redis', () => redis.quit());
  try {
    const queues = openQueues(redis, input.prefix, lifecycle);
    const ledger = new RunLedger(redis, input.prefix);
    const store = new SyncStateStore(redis, input.prefix);
    const plain = await loadProfile('contacts-deals');
    const target = syncTargetOf({ dc: 'us' }, plain);
    await store.registerTarget(target);
    const today = dayOf(Date.now());
    const log = pino({ level: 'silent' });

    if (input.phase === 'seed') return { seedMs: await seed(ledger, input.csvPath, plain, { targetId: target.id, day: today, ttlS: 8 * 86_400 }) };

    const profile = { ...plain, incremental: true };
    await ledger.createImport({ id: 'bench-night-2', origin: 'bench', source: input.csvPath, sourceName: 'night-2.csv', profileName: 'contacts-deals', profileJson: JSON.stringify(profile) });
    const parent = await queues.imports.add(JobName.import, { source: { path: input.csvPath }, profile: 'contacts-deals' }, { jobId: 'bench-night-2' });
    const parentRef = { id: parent.id!, queue: parent.queueQualifiedName };
    const enqueue = async (jobs: SyncCallsPayload[]): Promise<void> => {
      await queues.sync.addBulk(jobs.map((job) => ({
        name: JobName.syncCalls,
        data: job,
        opts: { ...syncCallsJobOptions(MAX_ATTEMPTS), jobId: syncCallsJobId(job.importId, job.seq), parent: parentRef },
      })));
    };
    collectGarbage();
    const memory = new MemorySampler();
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    const result = await ingestImport(
      { ledger, log, limits: LIMITS, lookups: 'unchecked', syncState: { state: store, targetId: target.id, today, maxAgeDays: 7 } },
      { importId: 'bench-night-2', sourcePath: input.csvPath, sourceName: 'night-2.csv', profile, enqueue },
    );
    const elapsedMs = Math.round(performance.now() - startedAt);
    const cpu = process.cpuUsage(cpuBefore);
    const rss = memory.stop();
    const [summary] = await store.describe(target.id);
    return {
      ...result, ...rss, elapsedMs,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      statePairs: summary?.pairs ?? 0,
      stateMemoryBytes: summary?.memoryBytes ?? 0,
    };
  } finally {
    await lifecycle.closeAll(10_000);
  }
}

/** Last night: every planned call answered SUCCESS, recorded as the sync worker records it. Returns its ms. */
async function seed(ledger: RunLedger, csvPath: string, profile: Profile, state: Omit<PairStateChange, 'base' | 'pairs'>): Promise<number> {
  const started = performance.now();
  await ledger.createImport({ id: 'bench-night-1', origin: 'bench', source: csvPath, sourceName: 'night-1.csv', profileName: 'contacts-deals', profileJson: JSON.stringify(profile) });
  await ingestImport({ ledger, log: pino({ level: 'silent' }), limits: LIMITS, lookups: 'unchecked' }, {
    importId: 'bench-night-1', sourcePath: csvPath, sourceName: 'night-1.csv', profile,
    enqueue: async (jobs) => {
      const calls = jobs.flatMap((job) => job.calls);
      for (let i = 0; i < calls.length; i += SEED_IN_FLIGHT) {
        await Promise.all(calls.slice(i, i + SEED_IN_FLIGHT).map((call) => ledger.recordOutcomes(
          'bench-night-1',
          call.entries.map((e) => ({ row: e.row, status: 'success', code: 'SUCCESS', message: 'relation added' })),
          { ...state, base: call.base, pairs: call.entries.map((e) => ({ row: e.row, related: e.related, digest: fieldsDigest(e.fields) })) },
        )));
      }
    },
  });
  return Math.round(performance.now() - started);
}

childMain(run);
