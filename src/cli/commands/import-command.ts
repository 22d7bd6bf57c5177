/** `relsync import <file.csv> [--profile p] [--wait] [--report path] [--json]` */
import type { Config } from '../../config/config.js';
import type { ImportRecord } from '../../ledger/run-ledger.js';
import { registerImport } from '../../usecases/register-import.js';
import { registrationFor } from '../../app/queues.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime } from '../cli-runtime.js';
import { followImport } from '../progress.js';
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
  return withCliRuntime(config, { persistent: Boolean(options.wait) }, async (runtime) => {
    const { importId, duplicate } = await registerImport(
      registrationFor(config, runtime),
      { file, profile: options.profile, origin: 'cli', cwd: io.cwd, reportPath: options.report, force: options.force },
    );
    if (duplicate) io.stderr.write(`same content and profile as import ${importId} (within RELSYNC_DEDUP_WINDOW_S): not imported again; --force imports it anew\n`);
    io.stdout.write(`${importId}\n`);
    if (!options.wait) return ExitCode.ok;
    return exitCodeFor(await followImport(io, runtime.ledger, importId, { json: options.json }));
  });
}

export function exitCodeFor(record: ImportRecord): number {
  if (record.state === 'failed') return ExitCode.couldNotRun;
  // Stopped early (aborted or cancelled): the file was not applied, even if no row is in error.
  if (record.stopCode) return ExitCode.rowsInError;
  // Every row was sent, but the report is missing: not "could not run", and not a clean 0 either.
  return record.error > 0 || record.reportError ? ExitCode.rowsInError : ExitCode.ok;
}

