/**
 * Queue and job names, and the one exhaustive map from job name to queue. Every name lives under
 * RELSYNC_PREFIX (BullMQ's `prefix` option), so two deployments can share a Redis.
 */
export const QueueName = {
  /** Imports: the `import` job (one per CSV, a step job: ingest → wait for its sync-calls jobs → report). */
  imports: 'imports',
  /** Zoho calls: `sync-calls` jobs, each up to 16 calls of one import (a call: ≤ 100 entries of one base record). */
  sync: 'sync',
  /** Events about imports for RELSYNC_WEBHOOK_URL: `webhook` (one event to one receiver) and `pause-check` jobs. */
  webhooks: 'webhooks',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** Each job: its name, and the queue it travels on. One entry a job, so no job name is without a queue. */
const JOBS = {
  import: { name: 'import', queue: QueueName.imports },
  syncCalls: { name: 'sync-calls', queue: QueueName.sync },
  webhook: { name: 'webhook', queue: QueueName.webhooks },
  pauseCheck: { name: 'pause-check', queue: QueueName.webhooks },
} as const;
type Jobs = typeof JOBS;

export const JobName = Object.fromEntries(Object.entries(JOBS).map(([key, job]) => [key, job.name])) as { readonly [K in keyof Jobs]: Jobs[K]['name'] };
export type JobName = (typeof JobName)[keyof typeof JobName];

/** Which queue each job travels on (from JOBS, so exhaustive). */
export const JOB_QUEUE = Object.fromEntries(Object.values(JOBS).map((job) => [job.name, job.queue])) as { readonly [J in JobName]: QueueName };
