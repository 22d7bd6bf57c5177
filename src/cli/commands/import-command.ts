/** `relsync import <file.csv> [--profile p] [--wait] [--report path] [--json]` */
import type { Config } from '../../config/config.js';
import type { ImportRecord } from '../../ledger/run-ledger.js';
import { registerImport } from '../../usecases/register-import.js';
import { enqueueImport } from '../../app/queues.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { openCliRuntime } from '../cli-runtime.js';
import { createProgressReporter, waitForImport } from '../progress.js';
import { runDryRun } from './dry-run-command.js';

export interface ImportOptions {
  profile: string;
  wait?: boolean;
  report?: string;
  dryRun?: boolean;
  json?: boolean;
  /** A new import even when the same content and profile were imported within RELSYNC_DEDUP_WINDOW_S. */
  force?: boolean;
}

export async function runImport(io: CliIO, config: Config, file: string, options: ImportOptions): Promise<number> {
  if (options.dryRun) return runDryRun(io, config, file, options);
  const runtime = await openCliRuntime(config, { persistent: Boolean(options.wait) });
  try {
    const { importId, duplicate } = await registerImport(
      { config, ledger: runtime.ledger, enqueue: (payload) => enqueueImport(runtime.queues, payload) },
      { file, profile: options.profile, origin: 'cli', cwd: io.cwd, reportPath: options.report, force: options.force },
    );
    if (duplicate) io.stderr.write(`same content and profile as import ${importId} (within RELSYNC_DEDUP_WINDOW_S): not imported again; --force imports it anew\n`);
    io.stdout.write(`${importId}\n`);
    if (!options.wait) return ExitCode.ok;
    const progress = createProgressReporter(io, { json: options.json });
    const record = await waitForImport(runtime.ledger, importId, { onUpdate: (r) => progress.update(r) });
    progress.stop();
    io.stderr.write(`${summaryLine(record)}\n`);
    return exitCodeFor(record);
  } finally {
    await runtime.close();
  }
}

export function exitCodeFor(record: ImportRecord): number {
  if (record.state === 'failed') return ExitCode.couldNotRun;
  return record.error > 0 ? ExitCode.rowsInError : ExitCode.ok;
}

export function summaryLine(record: ImportRecord): string {
  if (record.state === 'failed') return `${record.id} failed: ${record.failedReason ?? 'unknown reason'}`;
  const counts = `${record.rows ?? 0} rows: ${record.success} success, ${record.error} error, ${record.skipped} skipped; ${record.calls} Zoho calls`;
  return `${record.id} ${record.state}: ${counts}${record.reportPath ? `\nreport: ${record.reportPath}` : ''}`;
}
