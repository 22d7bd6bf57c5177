/**
 * Another service starting an import: add an `import` job, wait for its summary. Needs only
 * `relsync/jobs` (here `../jobs/index.js`) and bullmq. Usage: node --import tsx examples/enqueue-import.ts <file.csv> [profile]
 */
import { Queue, QueueEvents } from 'bullmq';
import { IMPORT_JOB_OPTIONS, JobName, QueueName, validateImportPayload, type ImportJobPayload, type ImportSummary } from '../jobs/index.js';

const connection = { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
const prefix = process.env.RELSYNC_PREFIX ?? 'relsync';
const payload: ImportJobPayload = { source: { path: process.argv[2] ?? 'contacts-deals.csv' }, profile: process.argv[3] ?? 'contacts-deals' };

// Check before enqueueing: a worker refuses a bad payload anyway, but only after BullMQ handed it over.
const check = validateImportPayload(payload);
if (!check.ok) {
  process.stderr.write(`invalid import payload: ${check.problems.join('; ')}\n`);
  process.exit(1);
}

const queue = new Queue<ImportJobPayload, ImportSummary>(QueueName.imports, { connection, prefix });
const events = new QueueEvents(QueueName.imports, { connection, prefix });
try {
  await events.waitUntilReady(); // listen before adding, or a fast import's end could be missed
  const job = await queue.add(JobName.import, payload, IMPORT_JOB_OPTIONS);
  const summary: ImportSummary = await job.waitUntilFinished(events);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} catch (error) {
  process.stderr.write(`import failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await Promise.all([queue.close(), events.close()]);
}
