/** The queues, opened on one Redis connection under RELSYNC_PREFIX. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { IMPORT_JOB_OPTIONS, type ImportJobPayload, type ImportSummary } from '../../jobs/import.job.js';
import { JobName, QueueName } from '../../jobs/queues.js';
import type { SyncCallsJobData } from '../../jobs/sync-calls.job.js';
import type { PauseCheckPayload, WebhookDeliveryPayload } from '../../jobs/webhook.job.js';
import type { Config } from '../config/config.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import type { RegisterDeps } from '../usecases/register-import.js';
import { ZohoCallGate } from '../zoho/call-gate.js';
import { CallSlots } from '../zoho/call-slots.js';
import { CreditBudget } from '../zoho/credit-budget.js';
import type { Lifecycle } from './lifecycle.js';

export interface Queues {
  imports: Queue<ImportJobPayload, ImportSummary>;
  sync: Queue<SyncCallsJobData>;
  webhooks: Queue<WebhookDeliveryPayload | PauseCheckPayload>;
}

export function openQueues(redis: Redis, prefix: string, lifecycle: Lifecycle): Queues {
  const imports = new Queue<ImportJobPayload, ImportSummary>(QueueName.imports, { connection: redis, prefix, defaultJobOptions: IMPORT_JOB_OPTIONS });
  const sync = new Queue<SyncCallsJobData>(QueueName.sync, { connection: redis, prefix });
  const webhooks = new Queue<WebhookDeliveryPayload | PauseCheckPayload>(QueueName.webhooks, { connection: redis, prefix });
  lifecycle.add('queues', () => Promise.all([imports.close(), sync.close(), webhooks.close()]));
  return { imports, sync, webhooks };
}

/**
 * The org-wide cap's slots for calls made outside a sync job (zoho/call-slots.ts): the same limit as
 * the sync queue's global concurrency, on that queue's own keys.
 */
export function callSlotsFor(config: Config, redis: Redis, queues: Pick<Queues, 'sync'>): CallSlots {
  const { meta, active, marker } = queues.sync.keys;
  return new CallSlots({ redis, prefix: config.prefix, queueKeys: { meta: meta!, active: active!, marker: marker! }, max: config.zoho.concurrency });
}

/**
 * The gate of a command that calls Zoho (`check`, the dry-run preview): a credit of the workers' budget
 * and a slot of their cap for each call, as the workers' own calls take them.
 */
export function commandCallGate(config: Config, redis: Redis, queues: Pick<Queues, 'sync'>): ZohoCallGate {
  const budget = config.zoho.dailyCredits ? new CreditBudget({ redis, prefix: config.prefix, limit: config.zoho.dailyCredits, windowMs: config.zoho.creditWindowMs }) : undefined;
  return new ZohoCallGate({ budget, slots: callSlotsFor(config, redis, queues), probeMs: config.zoho.pauseProbeMs });
}

/** What registerImport and retryImport need, wired to these queues. */
export function registrationFor(config: Config, parts: { ledger: RunLedger; queues: Queues }): RegisterDeps {
  return { config, ledger: parts.ledger, enqueue: (payload) => enqueueImport(parts.queues, payload) };
}

/** Put an import on the queue; its id is the job id, so adding the same import twice is a no-op. */
export async function enqueueImport(queues: Queues, payload: ImportJobPayload & { importId: string }): Promise<void> {
  await queues.imports.add(JobName.import, payload, { jobId: payload.importId });
}
