/**
 * The worker's operations side, wired once per worker runtime: the metrics object handed to where
 * things happen (the Zoho client, the token mint, the run ledger's observer), the webhooks worker, the
 * hourly retention sweep, and the `/metrics` `/healthz` `/readyz` server. See docs/operating.md#metrics,
 * docs/operating.md#alerts and docs/operating.md#retention.
 */
import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { JobName, QueueName } from '../../jobs/queues.js';
import { PAUSE_CHECK_JOB_OPTIONS, WEBHOOK_JOB_OPTIONS, pauseCheckJobId, webhookJobId } from '../../jobs/webhook.job.js';
import type { Config } from '../config/config.js';
import { ErrorCodes, UserError } from '../errors.js';
import { RunLedger, type ImportRecord, type LedgerObserver } from '../ledger/run-ledger.js';
import { RelsyncMetrics } from '../ops/metrics.js';
import { startOpsServer, type Readiness } from '../ops/ops-server.js';
import { webhookReceivers, type WebhookReceiver } from '../ops/webhook-sender.js';
import { createWebhookProcessor, webhookBackoffStrategy, type WebhookJobData } from '../processors/webhook.processor.js';
import { onImportChanged, type ImportEventDeps } from '../usecases/import-events.js';
import { DAY_MS, pruneImports } from '../usecases/prune-imports.js';
import { dropOrphanCopies, storedInputRemover } from '../usecases/shared-storage.js';
import type { CreditBudget } from '../zoho/credit-budget.js';
import type { Lifecycle } from './lifecycle.js';
import type { Queues } from './queues.js';

/** How long /readyz waits for Redis to answer PING. */
const READY_PING_TIMEOUT_MS = 1_000;
/** Scrape-time reads from Redis give up after this, so a scrape never hangs on a Redis outage. */
const SCRAPE_READ_TIMEOUT_MS = 2_000;
/** The retention sweep: how often, and the first one after start. */
const SWEEP_EVERY_MS = 3_600_000;
const FIRST_SWEEP_AFTER_MS = 60_000;
/** Deliveries one worker process makes at once. */
const WEBHOOK_CONCURRENCY = 4;

export interface Ops {
  metrics: RelsyncMetrics;
  receivers: readonly WebhookReceiver[];
  events: ImportEventDeps;
  /** For the RunLedger of the worker: outcomes to metrics, ends and pauses to alerts, metrics and retention. */
  ledgerObserver: LedgerObserver;
}

export function createOps(config: Config, log: Logger, parts: { redis: Redis; queues: Queues }): Ops {
  const metrics = new RelsyncMetrics({ concurrencyMax: config.zoho.concurrency, creditBudgetLimit: config.zoho.dailyCredits });
  const receivers = webhookReceivers(config.webhooks.urls);
  const afterMs = config.webhooks.pauseAlertAfterMs;
  const events: ImportEventDeps = {
    // Reads only: a ledger without an observer, so nothing here observes itself.
    ledger: new RunLedger(parts.redis, config.prefix),
    receiverIds: receivers.map((receiver) => receiver.id),
    deliver: async (deliveries) => {
      await parts.queues.webhooks.addBulk(deliveries.map(({ receiverId, eventKey, body }) => ({
        name: JobName.webhook,
        data: { receiverId, body },
        opts: { ...WEBHOOK_JOB_OPTIONS, jobId: webhookJobId(body.importId, eventKey, receiverId) },
      })));
    },
    schedulePauseCheck: async (importId) => {
      await parts.queues.webhooks.add(JobName.pauseCheck, { importId }, { ...PAUSE_CHECK_JOB_OPTIONS, delay: afterMs, jobId: pauseCheckJobId(importId, Date.now(), afterMs) });
    },
    ended: (outcome, durationMs) => metrics.importEnded(outcome, durationMs),
    retentionMs: config.retentionDays * DAY_MS,
    log,
  };
  return {
    metrics,
    receivers,
    events,
    ledgerObserver: {
      outcomesRecorded: (_importId, outcomes) => metrics.rowsRecorded(outcomes),
      removalsRecorded: (_importId, outcomes) => metrics.removalsRecorded(outcomes),
      outcomesCounted: (_importId, counts) => metrics.rowsCounted(counts),
      importChanged: (change) => onImportChanged(events, change),
    },
  };
}

/**
 * The metrics server, started right after Redis so that it is closed last but one: while the worker
 * shuts down, /readyz says so.
 */
export async function startOpsServerFor(config: Config, log: Logger, ops: Ops, parts: { redis: Redis; lifecycle: Lifecycle }): Promise<void> {
  if (config.metrics.port === undefined) return;
  const { host, port } = config.metrics;
  const server = await startOpsServer({ host, port, metrics: ops.metrics, readiness: () => readiness(parts.redis, parts.lifecycle) }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : code;
    throw new UserError(ErrorCodes.CONFIG_INVALID, `RELSYNC_METRICS_PORT / RELSYNC_METRICS_HOST: cannot listen on ${host}:${port}: ${why}`, { cause: error });
  });
  parts.lifecycle.add('metrics server', () => server.close());
  log.info({ url: server.url }, 'serving /metrics, /healthz and /readyz');
}

/** What the worker reads on scrape, the webhooks worker and the retention sweep: after its other workers. */
export function startOpsWorkers(config: Config, log: Logger, ops: Ops, parts: { redis: Redis; queues: Queues; lifecycle: Lifecycle; callsInFlight: () => number; budget?: CreditBudget; concurrencyLimit?: () => Promise<number> }): void {
  const { redis, queues, lifecycle } = parts;
  const live = <T>(read: () => Promise<T>): Promise<T> => {
    if (redis.status !== 'ready') return Promise.reject(new Error(`Redis connection is ${redis.status}`));
    return withTimeout(read(), SCRAPE_READ_TIMEOUT_MS);
  };
  ops.metrics.readFrom({
    callsInFlight: parts.callsInFlight,
    concurrencyLimit: () => live(() => parts.concurrencyLimit?.() ?? queues.sync.getGlobalConcurrency()),
    creditBudgetUsed: parts.budget ? () => live(() => parts.budget!.used()) : undefined,
    queueDepths: () => live(async () => {
      const [imports, sync, webhooks] = await Promise.all([queues.imports.getJobCounts(), queues.sync.getJobCounts(), queues.webhooks.getJobCounts()]);
      return { [QueueName.imports]: imports, [QueueName.sync]: sync, [QueueName.webhooks]: webhooks };
    }),
  });
  if (ops.receivers.length > 0) {
    // Only a worker that knows the receivers takes their jobs (the URLs are not in the jobs).
    const worker = new Worker<WebhookJobData>(QueueName.webhooks, createWebhookProcessor({
      receivers: ops.receivers, secret: config.webhooks.secret, events: ops.events, metrics: ops.metrics, log,
    }), { connection: redis, prefix: config.prefix, concurrency: WEBHOOK_CONCURRENCY, settings: { backoffStrategy: webhookBackoffStrategy } });
    worker.on('error', (error) => log.error({ err: error, queue: worker.name }, 'worker error'));
    lifecycle.add('webhooks worker', () => worker.close());
    log.info({ receivers: ops.receivers.map((receiver) => receiver.shownAs), signed: Boolean(config.webhooks.secret) }, 'sending import events to webhooks');
  }
  startRetentionSweep(config, log, { redis, queues, lifecycle });
}

/** Every hour, one worker (under a lease) removes the imports that ended more than RELSYNC_RETENTION_DAYS ago. */
function startRetentionSweep(config: Config, log: Logger, parts: { redis: Redis; queues: Queues; lifecycle: Lifecycle }): void {
  const ledger = new RunLedger(parts.redis, config.prefix);
  const holder = randomUUID();
  let running: Promise<void> | undefined;
  const sweep = async (): Promise<void> => {
    // Every worker, lease or not: its own downloads of stored inputs whose imports are gone.
    if (config.storage) {
      const dropped = await dropOrphanCopies(config.reportDir, ledger);
      if (dropped.length > 0) log.info({ imports: dropped.length }, 'retention: removed this worker\'s copies of inputs whose imports are gone');
    }
    if (!(await ledger.takeLease('retention-sweep', holder, SWEEP_EVERY_MS / 2))) return;
    const deps = retentionDeps(config, { ledger, queues: parts.queues });
    const { pruned, storageKept } = await pruneImports(deps, { olderThanMs: config.retentionDays * DAY_MS }).finally(() => deps.close());
    if (pruned.length > 0) log.info({ imports: pruned.length, retentionDays: config.retentionDays }, 'retention: removed the Redis records of imports that ended long ago');
    if (storageKept) log.warn({ imports: storageKept.imports, reason: storageKept.reason }, 'retention: kept imports whose input copy in RELSYNC_STORAGE could not be removed; trying again at the next sweep');
  };
  const run = (): void => {
    if (running || parts.redis.status !== 'ready') return;
    running = sweep().catch((error: unknown) => log.warn({ err: error }, 'retention sweep failed; trying again in an hour')).finally(() => (running = undefined));
  };
  const first = setTimeout(run, FIRST_SWEEP_AFTER_MS).unref();
  const every = setInterval(run, SWEEP_EVERY_MS).unref();
  parts.lifecycle.add('retention sweep', async () => {
    clearTimeout(first);
    clearInterval(every);
    await running;
  });
}

/**
 * What pruneImports needs, on these queues: also for `relsync prune`. One sweep lists the webhook jobs
 * not delivered (at most the newest 1,000 failed, and those still trying, a delivery in flight among
 * them) once, not once per import, and reaches RELSYNC_STORAGE through one connection: `close()` it
 * after the sweep.
 */
export function retentionDeps(config: Config, parts: { ledger: RunLedger; queues: Queues }) {
  let undelivered: Promise<Array<Job | undefined>> | undefined;
  const storedInputs = storedInputRemover(config);
  return {
    ledger: parts.ledger,
    reportDir: config.reportDir,
    removeStoredInput: (importId: string, record: ImportRecord | undefined) => storedInputs.remove(importId, record),
    close: () => storedInputs.close(),
    removeJobs: async (importId: string) => {
      undelivered ??= parts.queues.webhooks.getJobs(['active', 'failed', 'delayed', 'wait', 'prioritized'], 0, -1);
      await removeImportJobs(parts.queues, importId, await undelivered);
    },
  };
}

/** How long a job locked by a worker is waited for: a webhook delivery in flight ends within its 10 s timeout. */
const LOCKED_JOB_WAIT_MS = 15_000;
const LOCKED_JOB_POLL_MS = 200;

/**
 * An import's BullMQ jobs: its `import` job (id: the import id, or `<job id>` of `job-<job id>`) with
 * its children (the sync jobs kept after failing), and its webhook deliveries not delivered. A job a
 * worker holds (a delivery in flight) is waited for, then removed: removed while held, it would come
 * back to retry after the import was gone. One still held after LOCKED_JOB_WAIT_MS throws, and the
 * import is kept for the next sweep. A schedule's tick has a job id of BullMQ's own making; BullMQ
 * removes it after its age.
 */
async function removeImportJobs(queues: Queues, importId: string, undelivered: ReadonlyArray<Job | undefined>): Promise<void> {
  const jobId = importId.startsWith('job-') ? importId.slice('job-'.length) : importId;
  await removeWhenUnlocked(`import job ${jobId}`, () => queues.imports.remove(jobId, { removeChildren: true }));
  const deliveries = undelivered.flatMap((job) => (job?.id?.startsWith(`${importId}.`) ? [job.id] : []));
  await Promise.all(deliveries.map((id) => removeWhenUnlocked(`webhook delivery ${id}`, () => queues.webhooks.remove(id))));
}

/** BullMQ's remove answers 1 when the job is gone (or never was), 0 while a worker holds its lock. */
async function removeWhenUnlocked(what: string, remove: () => Promise<number>): Promise<void> {
  const deadline = Date.now() + LOCKED_JOB_WAIT_MS;
  while ((await remove()) !== 1) {
    if (Date.now() >= deadline) throw new Error(`${what} is still held by a worker after ${LOCKED_JOB_WAIT_MS / 1_000} s`);
    await new Promise((resolve) => setTimeout(resolve, LOCKED_JOB_POLL_MS));
  }
}

async function readiness(redis: Redis, lifecycle: Lifecycle): Promise<Readiness> {
  if (lifecycle.isClosing) return { ready: false, reason: 'the worker is shutting down' };
  // Not queued behind a reconnect: a worker whose connection is down is not ready now.
  if (redis.status !== 'ready') return { ready: false, reason: `the Redis connection is ${redis.status}` };
  try {
    await withTimeout(redis.ping(), READY_PING_TIMEOUT_MS);
    return { ready: true };
  } catch {
    return { ready: false, reason: `Redis did not answer PING within ${READY_PING_TIMEOUT_MS} ms` };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
