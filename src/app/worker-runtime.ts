/**
 * Wires the processes' parts: Redis, queues, the shared token, the Zoho client and its limiters, and
 * the BullMQ workers. One limiter per outside resource, each set here once:
 * - ZOHO_CONCURRENCY as the sync queue's GLOBAL concurrency: at most that many batch jobs active
 *   across every worker process, and each active job makes at most one call — so Zoho never sees more
 *   calls in flight from us than ZOHO_CONCURRENCY (Zoho's cap counts calls in flight per org);
 * - the same number as each process's worker concurrency and p-limit around the HTTP pool, so one
 *   process alone can use the whole budget and never more;
 * - on a 429, the whole sync queue is rate-limited (sync.processor.ts), not just one job.
 */
import { Worker } from 'bullmq';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { ImportSummary } from '../../jobs/import.job.js';
import { QueueName } from '../../jobs/queues.js';
import { requireZohoCredentials, type Config } from '../config/config.js';
import { LookupCache } from '../ledger/lookup-cache.js';
import { connectRedis, createRedis, isRedisWriteRefusal } from '../ledger/redis-connection.js';
import { RunLedger } from '../ledger/run-ledger.js';
import { SyncStateStore } from '../ledger/sync-state.js';
import { createImportProcessor, type ImportJobData } from '../processors/import.processor.js';
import { createSyncProcessor, zohoBackoffStrategy, type SyncJobData } from '../processors/sync.processor.js';
import { lookupLoader } from '../usecases/lookup-tables.js';
import { CreditBudget } from '../zoho/credit-budget.js';
import { oneLine } from '../errors.js';
import type { TokenProvider } from '../zoho/oauth-client.js';
import { createSharedTokens } from '../zoho/shared-tokens.js';
import { ZohoClient } from '../zoho/zoho-client.js';
import { ZohoOutage } from '../processors/zoho-outage.js';
import { ZohoReader } from '../zoho/zoho-reader.js';
import type { RelsyncMetrics } from '../ops/metrics.js';
import { AccountsError } from '../zoho/oauth-client.js';
import { Lifecycle } from './lifecycle.js';
import { createOps, startOpsServerFor, startOpsWorkers, type Ops } from './ops-runtime.js';
import { startReconciler } from './reconciler.js';
import { createRedisWriteGate } from './redis-write-gate.js';
import { callSlotsFor } from './call-gates.js';
import { openQueues, type Queues } from './queues.js';
import { ZohoCallGate } from '../zoho/call-gate.js';
import { importWaits } from '../usecases/import-waits.js';
import { RedisOutageLog } from './redis-outage.js';

const QUEUE_WIDE_PAUSE_LIMITER = { max: 100_000, duration: 1_000 };

/** How often a worker gives back the call slots of processes that died holding one (their lease lapsed). */
const SLOTS_SETTLE_MS = 5_000;

export interface WorkerRuntime {
  lifecycle: Lifecycle;
  queues: Queues;
  ledger: RunLedger;
  /** Metrics, alerts and retention (ops-runtime.ts). */
  ops: Ops;
  /** Graceful stop: in-flight calls finish (or are handed back at the deadline), then connections close. */
  close(): Promise<boolean>;
}

export interface WorkerRuntimeOptions {
  /** The incremental sync state's clock (import days, confirmation days); default Date.now. Tests move it. */
  stateNow?: () => number;
}

export async function startWorkerRuntime(config: Config, log: Logger, options: WorkerRuntimeOptions = {}): Promise<WorkerRuntime> {
  requireZohoCredentials(config);
  const lifecycle = new Lifecycle();
  // One line when Redis is lost and one when it is back: workers wait for it and carry on.
  const outage = new RedisOutageLog(log);
  const unconnected = createRedis(config.redisUrl, { persistent: true, onError: outage.connectionError });
  outage.watch(unconnected);
  const redis = await connectRedis(unconnected, config.redisUrl);
  lifecycle.add('redis', () => redis.quit());
  const queues = openQueues(redis, config.prefix, lifecycle);
  for (const queue of [queues.imports, queues.sync, queues.webhooks]) queue.on('error', outage.componentError(`${queue.name} queue`));
  const ops = createOps(config, log, { redis, queues });
  // A port in use stops the start with one line, and closes what was opened (or the process would not exit).
  await startOpsServerFor(config, log, ops, { redis, lifecycle }).catch(async (error: unknown) => {
    await lifecycle.closeAll(config.shutdownTimeoutMs, log);
    throw error;
  });
  const ledger = new RunLedger(redis, config.prefix, Date.now, ops.ledgerObserver);
  const tokens = createSharedTokens(config, redis, {
    onMint: (token) => {
      ops.metrics.tokenMint('minted');
      log.info({ apiDomain: token.apiDomain, expiresAt: new Date(token.expiresAtMs).toISOString() }, 'minted a Zoho access token');
    },
    onMintError: (error) => ops.metrics.tokenMint(error instanceof AccountsError && error.throttled ? 'denied' : 'failed'),
  });
  const callLimit = pLimit(config.zoho.concurrency);
  const client = createZohoClient(config, tokens, log, { metrics: ops.metrics, limit: callLimit });
  lifecycle.add('zoho client', () => client.close());
  // Added before the workers, so closed after them: a slow check never holds up their shutdown.
  let credentialsChecked: Promise<void> = Promise.resolve();
  lifecycle.add('credentials check', () => credentialsChecked);
  // Lookup tables (role names → ids) are read with the same shared token, once per import for all workers.
  const budget = config.zoho.dailyCredits ? new CreditBudget({ redis, prefix: config.prefix, limit: config.zoho.dailyCredits, windowMs: config.zoho.creditWindowMs }) : undefined;
  // The one org-wide cap: the sync queue's global concurrency; calls made outside a sync job (link
  // reads, lookups) hold a slot of it and a credit of the same budget through the gate.
  const slots = callSlotsFor(config, redis, queues);
  await slots.setGlobalConcurrency(config.zoho.concurrency);
  const settleSlots = setInterval(() => void slots.settle().catch(() => undefined), SLOTS_SETTLE_MS);
  settleSlots.unref();
  lifecycle.add('call slots', async () => clearInterval(settleSlots));
  const gate = new ZohoCallGate({ budget, slots, probeMs: config.zoho.pauseProbeMs });
  const reader = new ZohoReader({ tokens, apiDomain: config.zoho.apiDomain, apiVersion: config.zoho.apiVersion, gate });
  lifecycle.add('zoho reader', () => reader.close());
  const lookups = lookupLoader({ reader, cache: new LookupCache(redis, config.prefix), waits: (importId) => importWaits(ledger, importId) });

  const common = {
    connection: redis,
    prefix: config.prefix,
    lockDuration: config.queue.lockDurationMs,
    stalledInterval: config.queue.stalledIntervalMs,
    maxStalledCount: config.queue.maxStalledCount,
  };
  // unlink and mirror read the current links with the same client (its limiter, its token), through
  // the gate, and keep to the sync queue's pauses (a read's 429 pauses the queue as a call's does).
  const links = { reader: client, gate, queuePauseMs: () => queues.sync.getRateLimitTtl(QUEUE_WIDE_PAUSE_LIMITER.max), pauseQueue: (ms: number) => queues.sync.rateLimit(ms) };
  const importWorker = new Worker<ImportJobData, ImportSummary>(QueueName.imports, createImportProcessor({
    config, ledger, syncQueue: queues.sync, log, lookups, links, syncState: new SyncStateStore(redis, config.prefix), stateNow: options.stateNow,
  }), {
    ...common, concurrency: config.queue.importConcurrency,
  });
  const zohoOutage = new ZohoOutage({ redis, prefix: config.prefix, maxWaitMs: config.zoho.outageMaxWaitMs, log });
  const syncWorker = new Worker<SyncJobData>(QueueName.sync, createSyncProcessor({ config, ledger, client, budget, syncQueue: queues.sync, concurrency: slots, outage: zohoOutage, log, stateNow: options.stateNow }), {
    ...common,
    concurrency: config.zoho.concurrency,
    settings: { backoffStrategy: zohoBackoffStrategy },
    // BullMQ honours the queue-wide pause (`queue.rateLimit`, set on a 429 or an outage) only in
    // workers that have a limiter; this one never binds (100,000 jobs a second), it only makes every
    // worker of every process wait out the pause instead of the one that saw the 429.
    limiter: QUEUE_WIDE_PAUSE_LIMITER,
  });
  const writeGate = createRedisWriteGate({ redis, prefix: config.prefix, workers: [importWorker, syncWorker], log });
  lifecycle.add('redis write gate', async () => writeGate.close());
  for (const worker of [importWorker, syncWorker]) {
    const onError = outage.componentError(`${worker.name} worker`);
    worker.on('error', (error) => {
      // A write refusal is said once by the gate, not once per refused command.
      if (isRedisWriteRefusal(error)) return writeGate.observe(error);
      onError(error);
    });
    worker.on('failed', (_job, error) => writeGate.observe(error));
    lifecycle.add(`${worker.name} worker`, () => worker.close());
  }
  startOpsWorkers(config, log, ops, { redis, queues, lifecycle, budget, concurrencyLimit: () => slots.getGlobalConcurrency(), callsInFlight: () => callLimit.activeCount });
  await Promise.all([importWorker.waitUntilReady(), syncWorker.waitUntilReady()]);
  // Closed first (lifecycle closes in reverse): no pass starts while the workers shut down.
  const reconciler = startReconciler(config, { ledger, queues, log });
  importWorker.on('failed', () => reconciler.nudge());
  lifecycle.add('reconciler', () => reconciler.close());
  log.info({ prefix: config.prefix, concurrency: config.zoho.concurrency }, 'worker started');
  credentialsChecked = checkCredentials(tokens, log);
  return { lifecycle, queues, ledger, ops, close: () => lifecycle.closeAll(config.shutdownTimeoutMs, log) };
}

/**
 * The credentials are tried once at start (the shared token, or one mint under the shared lock), so a
 * refused refresh token is said once, in one line, when the worker starts, not found at 2 a.m. in a
 * paused import. The worker runs on either way: imports pause with the reason until it is fixed.
 */
async function checkCredentials(tokens: TokenProvider, log: Logger): Promise<void> {
  try {
    await tokens.getToken();
  } catch (error) {
    log.warn({ reason: oneLine(error), code: (error as { code?: unknown }).code }, 'no Zoho access token at start: the worker runs on, imports wait until one can be had');
  }
}

function createZohoClient(config: Config, tokens: TokenProvider, log: Logger, parts: { metrics: RelsyncMetrics; limit: ReturnType<typeof pLimit> }): ZohoClient {
  return new ZohoClient({
    tokens,
    apiDomain: config.zoho.apiDomain,
    apiVersion: config.zoho.apiVersion,
    connections: config.zoho.concurrency,
    limit: parts.limit,
    onEvent: (event) => {
      parts.metrics.zohoCall(event);
      log.debug(event, 'zoho call');
    },
  });
}
