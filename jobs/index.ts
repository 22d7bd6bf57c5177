/** What another service needs to enqueue imports: names, payload types, validator, options. */
export { QueueName, JobName, JOB_QUEUE } from './queues.js';
export { validateImportPayload, IMPORT_JOB_OPTIONS } from './import.job.js';
export type { ImportJobPayload, ImportSource, ImportSummary, ProfileInput, PayloadCheck } from './import.job.js';
export { callsPerJob, syncBatchJobId, syncBatchJobOptions, ZOHO_BACKOFF } from './sync-batch.job.js';
export type { SyncBatchPayload, SyncCall, SyncEntry } from './sync-batch.job.js';
