/** What another service needs to enqueue imports: names, payload types, validator, options. */
export { QueueName, JobName, JOB_QUEUE } from './queues.js';
export { validateImportPayload, IMPORT_JOB_OPTIONS, DEFAULT_MAX_INLINE_CSV_BYTES } from './import.job.js';
export type { ImportJobPayload, ImportSource, ImportSummary, ProfileInput, PayloadCheck, PayloadLimits } from './import.job.js';
export { MAX_ENTRIES_PER_CALL, callsPerJob, syncCallsJobId, syncCallsJobOptions, syncCallsPriority, ZOHO_BACKOFF } from './sync-calls.job.js';
export type { SyncCallsPayload, SyncCall, CallEntry } from './sync-calls.job.js';
export { IMPORT_EVENT_NAMES } from './webhook.job.js';
export type { ImportEvent, ImportEventName, RemovalCounts } from './webhook.job.js';
