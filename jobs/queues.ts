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

export const JobName = {
  import: 'import',
  syncCalls: 'sync-calls',
  webhook: 'webhook',
  pauseCheck: 'pause-check',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** Which queue each job travels on. Exhaustive: adding a job name without a queue fails to compile. */
export const JOB_QUEUE: { readonly [J in JobName]: QueueName } = {
  [JobName.import]: QueueName.imports,
  [JobName.syncCalls]: QueueName.sync,
  [JobName.webhook]: QueueName.webhooks,
  [JobName.pauseCheck]: QueueName.webhooks,
};
