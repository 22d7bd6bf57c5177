/** `relsync status <id> [--json]` and `relsync list [--json]` */
import type { Config } from '../../config/config.js';
import type { ImportRecord } from '../../ledger/run-ledger.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime } from '../cli-runtime.js';
import { exitCodeFor } from '../follow-import.js';
import { doneRows } from '../progress.js';

export function statusJson(record: ImportRecord): Record<string, unknown> {
  return {
    importId: record.id, state: record.state, origin: record.origin, source: record.sourceName, profile: record.profileName,
    rows: record.rows ?? null, done: doneRows(record), success: record.success, error: record.error, skipped: record.skipped,
    calls: record.calls, retries: record.retries, rateLimited: record.rateLimited, plannedCalls: record.plannedCalls ?? null,
    paused: record.pausedReason ? { reason: record.pausedReason, until: record.pausedUntil ? new Date(record.pausedUntil).toISOString() : null } : null,
    failedReason: record.failedReason ?? null, reportPath: record.reportPath ?? null, reportError: record.reportError ?? null, retryOf: record.retryOf ?? null,
    mode: record.mode ?? 'link', undoOf: record.undoOf ?? null, undoneBy: record.undoneBy ?? null,
    removals: record.plannedRemovals === undefined ? null : {
      planned: record.plannedRemovals, success: record.removalsSuccess ?? 0, error: record.removalsError ?? 0, skipped: record.removalsSkipped ?? 0,
    },
    stopped: record.stopCode ? { code: record.stopCode, reason: record.stopReason ?? null } : null,
    createdAt: new Date(record.createdAt).toISOString(), finishedAt: record.finishedAt ? new Date(record.finishedAt).toISOString() : null,
  };
}

export function statusText(record: ImportRecord): string {
  const lines = [
    `import   ${record.id} (${record.origin})`,
    `state    ${record.state}${record.pausedReason ? ` — waiting: ${record.pausedReason}${record.pausedUntil ? ` (next try ${new Date(record.pausedUntil).toISOString()})` : ''}` : ''}`,
    `source   ${record.sourceName}  profile ${record.profileName}`,
    `rows     ${doneRows(record)}/${record.rows ?? '?'} done: ${record.success} success, ${record.error} error, ${record.skipped} skipped`,
    `calls    ${record.calls} to Zoho, ${record.retries} retried, ${record.rateLimited} answered 429`,
  ];
  if (record.mode) lines.splice(3, 0, `mode     ${record.mode}${record.allowRemovals ? ' (--allow-removals)' : ''}`);
  if (record.plannedRemovals !== undefined) {
    const gone = (record.removalsSuccess ?? 0) + (record.removalsError ?? 0) + (record.removalsSkipped ?? 0);
    lines.push(`removed  ${gone}/${record.plannedRemovals} links done: ${record.removalsSuccess ?? 0} removed, ${record.removalsError ?? 0} error, ${record.removalsSkipped ?? 0} skipped`);
  }
  if (record.stopCode) lines.push(`stopped  ${record.stopCode}: ${record.stopReason ?? ''}`);
  if (record.failedReason) lines.push(`failed   ${record.failedReason}`);
  if (record.stopCode && record.state !== 'failed') lines.push(`stopped  ${record.stopCode}: ${record.stopReason ?? ''}`);
  if (record.reportError) lines.push(`report   not written: ${record.reportError}; run 'relsync report ${record.id}' once the disk is fixed`);
  else if (record.reportPath && record.state === 'done') lines.push(`report   ${record.reportPath}`);
  if (record.retryOf) lines.push(`retry of ${record.retryOf}`);
  if (record.undoOf) lines.push(`undo of  ${record.undoOf}: removes the links it added`);
  if (record.undoneBy) lines.push(`undone by ${record.undoneBy}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The exit code of `status`, as `import --wait` would have ended: 1 the import failed, 2 it is done and
 * rows ended in error, 0 otherwise (a running import included, whatever its errors so far), so a
 * script can check last night's import with `relsync status <id>` alone.
 */
export function statusExitCode(record: ImportRecord): number {
  // A running import exits 0 whatever its errors so far; a finished one as `import --wait` ended.
  if (record.state !== 'done' && record.state !== 'failed') return ExitCode.ok;
  return exitCodeFor(record);
}

export async function runStatus(io: CliIO, config: Config, importId: string, options: { json?: boolean }): Promise<number> {
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
    const record = await runtime.ledger.requireImport(importId);
    io.stdout.write(options.json ? `${JSON.stringify(statusJson(record))}\n` : statusText(record));
    return statusExitCode(record);
  });
}

export async function runList(io: CliIO, config: Config, options: { json?: boolean; limit?: number }): Promise<number> {
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
    const records = await runtime.ledger.listImports(options.limit ?? 20);
    if (options.json) io.stdout.write(`${JSON.stringify(records.map(statusJson))}\n`);
    else for (const r of records) io.stdout.write(`${r.id}  ${shownState(r).padEnd(9)}  ${`${doneRows(r)}/${r.rows ?? '?'}`.padStart(15)} rows  ${String(r.error).padStart(6)} errors  ${r.sourceName}\n`);
    if (!options.json && records.length === 0) io.stdout.write('no imports yet\n');
    return ExitCode.ok;
  });
}

/** `list`'s state: an import that ended early says how (`aborted`, `cancelled`) rather than `done`. */
function shownState(record: ImportRecord): string {
  if (record.state !== 'done' || !record.stopCode) return record.state;
  return record.stopCode === 'CANCELLED' ? 'cancelled' : record.stopCode === 'ABORTED' ? 'aborted' : record.state;
}
