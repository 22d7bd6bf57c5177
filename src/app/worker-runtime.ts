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
import { DATA_CENTRES } from '../config/data-centres.js';
import { connectRedis, createRedis } from '../ledger/redis-connection.js';
import { RunLedger } from '../ledger/run-ledger.js';
import { createImportProcessor, type ImportJobData } from '../processors/import.processor.js';
import { createSyncProcessor, zohoBackoffStrategy, type SyncJobData } from '../processors/sync.processor.js';
import { CreditBudget } from '../zoho/credit-budget.js';
import { OAuthClient } from '../zoho/oauth-client.js';
import { SharedTokenProvider } from '../zoho/shared-token-provider.js';
import { ZohoClient } from '../zoho/zoho-client.js';
import type { RelsyncMetrics } from '../ops/metrics.js';
import { AccountsError } from '../zoho/oauth-client.js';
import { Lifecycle } from './lifecycle.js';
import { createOps, startOpsServerFor, startOpsWorkers, type Ops } from './ops-runtime.js';
import { openQueues, type Queues } from './queues.js';

export interface WorkerRuntime {
  lifecycle: Lifecycle;
  queues: Queues;
  ledger: RunLedger;
  /** Metrics, alerts and retention (ops-runtime.ts). */
  ops: Ops;
  /** Graceful stop: in-flight calls finish (or are handed back at the deadline), then connections close. */
  close(): Promise<boolean>;
}

export async function startWorkerRuntime(config: Config, log: Logger): Promise<WorkerRuntime> {
  const credentials = requireZohoCredentials(config);
  const lifecycle = new Lifecycle();
  let lastRedisWarning = 0;
  const onRedisError = (error: Error): void => {
    // One line per outage-ish (every 10 s at most): workers wait for Redis and carry on.
    if (Date.now() - lastRedisWarning < 10_000) return;
    lastRedisWarning = Date.now();
    log.warn({ err: error }, 'Redis connection lost; reconnecting (work waits, nothing is lost)');
  };
  const redis = await connectRedis(createRedis(config.redisUrl, { persistent: true, onError: onRedisError }), config.redisUrl);
  lifecycle.add('redis', () => redis.quit());
  const queues = openQueues(redis, config.prefix, lifecycle);
  const ops = createOps(config, log, { redis, queues });
  // A port in use stops the start with one line, and closes what was opened (or the process would not exit).
  await startOpsServerFor(config, log, ops, { redis, lifecycle }).catch(async (error: unknown) => {
    await lifecycle.closeAll(config.shutdownTimeoutMs, log);
    throw error;
  });
  const ledger = new RunLedger(redis, config.prefix, Date.now, ops.ledgerObserver);
  const callLimit = pLimit(config.zoho.concurrency);
  const client = createZohoClient(config, credentials, redis, log, { metrics: ops.metrics, limit: callLimit });
  lifecycle.add('zoho client', () => client.close());
  await queues.sync.setGlobalConcurrency(config.zoho.concurrency);

  const common = {
    connection: redis,
    prefix: config.prefix,
    lockDuration: config.queue.lockDurationMs,
    stalledInterval: config.queue.stalledIntervalMs,
    maxStalledCount: config.queue.maxStalledCount,
  };
  const importWorker = new Worker<ImportJobData, ImportSummary>(QueueName.imports, createImportProcessor({ config, ledger, syncQueue: queues.sync, log }), {
    ...common, concurrency: config.queue.importConcurrency,
  });
  const budget = config.zoho.dailyCredits ? new CreditBudget({ redis, prefix: config.prefix, limit: config.zoho.dailyCredits, windowMs: config.zoho.creditWindowMs }) : undefined;
  const syncWorker = new Worker<SyncJobData>(QueueName.sync, createSyncProcessor({ config, ledger, client, budget, syncQueue: queues.sync, log }), {
    ...common, concurrency: config.zoho.concurrency, settings: { backoffStrategy: zohoBackoffStrategy },
  });
  for (const worker of [importWorker, syncWorker]) {
    worker.on('error', (error) => log.error({ err: error, queue: worker.name }, 'worker error'));
    lifecycle.add(`${worker.name} worker`, () => worker.close());
  }
  startOpsWorkers(config, log, ops, { redis, queues, lifecycle, budget, callsInFlight: () => callLimit.activeCount });
  await Promise.all([importWorker.waitUntilReady(), syncWorker.waitUntilReady()]);
  log.info({ prefix: config.prefix, concurrency: config.zoho.concurrency }, 'worker started');
  return { lifecycle, queues, ledger, ops, close: () => lifecycle.closeAll(config.shutdownTimeoutMs, log) };
}

function createZohoClient(
  config: Config, credentials: ReturnType<typeof requireZohoCredentials>, redis: ReturnType<typeof createRedis>, log: Logger,
  parts: { metrics: RelsyncMetrics; limit: ReturnType<typeof pLimit> },
): ZohoClient {
  const oauth = new OAuthClient({
    accountsUrl: config.zoho.accountsUrl ?? DATA_CENTRES[config.zoho.dc].accountsUrl,
    ...credentials,
  });
  const tokens = new SharedTokenProvider({
    redis,
    prefix: config.prefix,
    credentialsId: `${credentials.clientId}:${credentials.refreshToken}`,
    // Other workers reuse a failed mint's answer for half a probe interval instead of minting again.
    failureTtlMs: Math.min(30_000, config.zoho.pauseProbeMs / 2),
    mint: async () => {
      const token = await oauth.mint().catch((error: unknown) => {
        parts.metrics.tokenMint(error instanceof AccountsError && error.zohoError === 'Access Denied' ? 'denied' : 'failed');
        throw error;
      });
      parts.metrics.tokenMint('minted');
      log.info({ apiDomain: token.apiDomain, expiresAt: new Date(token.expiresAtMs).toISOString() }, 'minted a Zoho access token');
      return token;
    },
  });
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
