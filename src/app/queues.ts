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

/** What registerImport and retryImport need, wired to these queues. */
export function registrationFor(config: Config, parts: { ledger: RunLedger; queues: Queues }): RegisterDeps {
  return { config, ledger: parts.ledger, enqueue: (payload) => enqueueImport(parts.queues, payload) };
}

/** Put an import on the queue; its id is the job id, so adding the same import twice is a no-op. */
export async function enqueueImport(queues: Queues, payload: ImportJobPayload & { importId: string }): Promise<void> {
  await queues.imports.add(JobName.import, payload, { jobId: payload.importId });
}
