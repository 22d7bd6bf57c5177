/** `relsync import <file.csv> [--profile p] [--wait] [--report path] [--json]` */
import { resolve } from 'node:path';
import type { ImportMode } from '../../../jobs/import.job.js';
import type { Config } from '../../config/config.js';
import { registerImport } from '../../usecases/register-import.js';
import { registrationFor } from '../../app/queues.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime, type CliRuntime } from '../cli-runtime.js';
import { isRemote } from '../../storage/location.js';
import { followToExit } from './wait-command.js';

export interface ImportOptions {
  profile: string;
  wait?: boolean;
  report?: string;
  dryRun?: boolean;
  json?: boolean;
  /** A new import even when the same content and profile were imported within RELSYNC_DEDUP_WINDOW_S. */
  force?: boolean;
  /** With --wait: stop waiting after this many seconds (exit 1; the import goes on). */
  timeout?: number;
  /** Over the profile's `"mode"`. */
  mode?: ImportMode;
  allowRemovals?: boolean;
  /** Send only pairs new or changed since Zoho last confirmed them. */
  incremental?: boolean;
  /** Send every pair (over the profile's `incremental`). */
  full?: boolean;
}

/** `--incremental` true, `--full` false, neither: the profile decides. */
export function incrementalChoice(options: Pick<ImportOptions, 'incremental' | 'full'>): boolean | undefined {
  if (options.incremental) return true;
  return options.full ? false : undefined;
}

export { exitCodeFor } from '../follow-import.js';

export async function runImport(io: CliIO, config: Config, file: string, options: ImportOptions): Promise<number> {
  // Loaded only for a dry run: it brings the Zoho client (undici) an import itself never uses here.
  if (options.dryRun) return (await import('./dry-run-command.js')).runDryRun(io, config, file, { ...options, incremental: incrementalChoice(options) });
  // With RELSYNC_STORAGE a local --report is a copy this process makes once the import ends (register-import.ts).
  const reportCopy = config.storage && options.report && !isRemote(options.report) && options.wait ? resolve(io.cwd, options.report) : undefined;
  return withCliRuntime(config, { persistent: Boolean(options.wait) }, async (runtime) => {
    const { importId, duplicate } = await registerImport(
      registrationFor(config, runtime),
      { file, profile: options.profile, origin: 'cli', cwd: io.cwd, reportPath: options.report, reportCopied: Boolean(options.wait), force: options.force, mode: options.mode, allowRemovals: options.allowRemovals, incremental: incrementalChoice(options) },
    );
    if (duplicate) io.stderr.write(`same content and profile as import ${importId} (within RELSYNC_DEDUP_WINDOW_S): not imported again; --force imports it anew\n`);
    io.stdout.write(`${importId}\n`);
    if (!options.wait) return ExitCode.ok;
    const code = await followToExit(io, config, runtime, importId, { json: options.json, timeout: options.timeout });
    return reportCopy ? copyReport(io, config, runtime, importId, reportCopy, code) : code;
  });
}

/**
 * `--wait --report <path>` with RELSYNC_STORAGE: the report went to the storage; a copy (with its
 * errors file and summary) is brought to `<path>` once the import is done. A copy that fails is one
 * line saying how to bring it later, and exit 2, as a report the worker could not write is.
 */
async function copyReport(io: CliIO, config: Config, runtime: CliRuntime, importId: string, path: string, code: number): Promise<number> {
  const record = await runtime.ledger.getImport(importId);
  // Failed (no report), or we stopped waiting: the line already said what happened and what to do.
  if (record?.state !== 'done') return code;
  try {
    // Loaded only here: it brings the remote stores' reader.
    const { bringReport } = await import('./report-command.js');
    await bringReport(config, runtime, record, path);
  } catch (error) {
    io.stderr.write(`relsync: report not copied to ${path}: ${(error as Error).message}; bring it with 'relsync report ${importId} --out ${path}'\n`);
    return Math.max(code, ExitCode.rowsInError);
  }
  io.stderr.write(`report copied to ${path}\n`);
  return code;
}

