/** `relsync retry <id> [--wait]`: a new import of only the rows of <id> that ended in error. */
import type { Config } from '../../config/config.js';
import { enqueueImport } from '../../app/queues.js';
import { retryImport } from '../../usecases/retry-import.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { openCliRuntime } from '../cli-runtime.js';
import { createProgressReporter, waitForImport } from '../progress.js';
import { exitCodeFor, summaryLine } from './import-command.js';

export async function runRetry(io: CliIO, config: Config, importId: string, options: { wait?: boolean; json?: boolean }): Promise<number> {
  const runtime = await openCliRuntime(config, { persistent: Boolean(options.wait) });
  try {
    const retry = await retryImport({ config, ledger: runtime.ledger, enqueue: (payload) => enqueueImport(runtime.queues, payload) }, importId, io.cwd);
    io.stdout.write(`${retry.importId}\n`);
    io.stderr.write(`retrying ${retry.rows} row(s) of ${importId} as ${retry.importId}\n`);
    if (!options.wait) return ExitCode.ok;
    const progress = createProgressReporter(io, { json: options.json });
    const record = await waitForImport(runtime.ledger, retry.importId, { onUpdate: (r) => progress.update(r) });
    progress.stop();
    io.stderr.write(`${summaryLine(record)}\n`);
    return exitCodeFor(record);
  } finally {
    await runtime.close();
  }
}
