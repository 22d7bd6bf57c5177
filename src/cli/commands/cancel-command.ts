/** `relsync cancel <id>`: stop an import; nothing more is sent, its unsent rows end CANCELLED, its report is written. */
import type { Job } from 'bullmq';
import { IMPORT_JOB_OPTIONS } from '../../../jobs/import.job.js';
import type { Queues } from '../../app/queues.js';
import type { Config } from '../../config/config.js';
import type { ImportRecord } from '../../ledger/run-ledger.js';
import { cancelImport } from '../../usecases/cancel-import.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime } from '../cli-runtime.js';
import { silentLogger } from '../silent-logger.js';

/** Our own producers (CLI, watched folder, retry) give the `import` job the import's id. */
const JOB_ID_IS_IMPORT_ID = new Set(['cli', 'watch', 'retry']);

export async function runCancel(io: CliIO, config: Config, importId: string): Promise<number> {
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
    const result = await cancelImport({
      ledger: runtime.ledger, log: silentLogger(), config, reportRetryMs: config.reportRetryMs,
      removeQueuedJob: (record) => removeWaitingJob(runtime.queues, record),
    }, importId);
    if (result.kind === 'ended') {
      const r = result.record;
      io.stdout.write(`${importId} cancelled before any worker took it: ${r.skipped} rows skipped (CANCELLED); report: ${r.reportPath}\n`);
    } else if (result.stop.code !== 'CANCELLED') {
      io.stdout.write(`${importId} was already stopped (${result.stop.code}: ${result.stop.reason}); its worker ends it and writes the report\n`);
    } else {
      io.stdout.write(`${importId} cancelled: nothing more is sent to Zoho, rows not sent end skipped (CANCELLED) and the worker writes the report ('relsync wait ${importId}' follows it)\n`);
    }
    return ExitCode.ok;
  });
}

/** Removes the job unless a worker holds it: BullMQ refuses to remove a locked (active) job. */
async function removeWaitingJob(queues: Queues, record: ImportRecord): Promise<{ putBack(): Promise<void> } | undefined> {
  const job: Job | undefined = await queues.imports.getJob(record.id);
  // Never enqueued (a producer that died between recording and enqueueing): nobody would ever run it.
  if (!job) return JOB_ID_IS_IMPORT_ID.has(record.origin) ? { putBack: async () => undefined } : undefined;
  const state = await job.getState();
  if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return undefined;
  const removed = await job.remove().then(() => true, () => false);
  if (!removed) return undefined;
  return { putBack: async () => void (await queues.imports.add(job.name, job.data, { ...IMPORT_JOB_OPTIONS, jobId: job.id })) };
}
