/**
 * Progress of an import while the CLI waits: a live bar on a terminal (cli-progress), a plain line
 * every few seconds otherwise (logs, CI), or JSON lines for machines. The source of truth is the run
 * ledger, polled — so waiting survives a worker restart or a Redis restart.
 */
import cliProgress from 'cli-progress';
import type { ImportRecord, RunLedger } from '../ledger/run-ledger.js';
import type { CliIO } from './cli-io.js';

export interface ProgressReporter {
  update(record: ImportRecord): void;
  stop(): void;
}

const STOPPED: Record<NonNullable<ImportRecord['stopCode']>, string> = { ABORTED: 'aborted', CANCELLED: 'cancelled', IMPORT_FAILED: 'failed' };

export function doneRows(record: ImportRecord): number {
  return record.success + record.error + record.skipped;
}

/** Poll the ledger until the import is done or failed. */
export async function waitForImport(ledger: Pick<RunLedger, 'getImport'>, importId: string, options: { pollMs?: number; onUpdate?: (record: ImportRecord) => void } = {}): Promise<ImportRecord> {
  for (;;) {
    const record = await ledger.getImport(importId);
    if (!record) throw new Error(`import ${importId} disappeared from the ledger`);
    options.onUpdate?.(record);
    if (record.state === 'done' || record.state === 'failed') return record;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

export function summaryLine(record: ImportRecord): string {
  if (record.state === 'failed') return `${record.id} failed: ${record.failedReason ?? 'unknown reason'}`;
  const counts = `${record.rows ?? 0} rows: ${record.success} success, ${record.error} error, ${record.skipped} skipped; ${record.calls} Zoho calls`;
  // Stopped early (the import guard, `relsync cancel`): why comes first, on the same line.
  const head = record.stopCode ? `${record.id} ${STOPPED[record.stopCode]}: ${record.stopReason ?? ''} — ${counts}` : `${record.id} ${record.state}: ${counts}`;
  if (record.reportError) return `${head}\nreport not written: ${record.reportError}; run 'relsync report ${record.id}' once the disk is fixed`;
  return `${head}${record.reportPath ? `\nreport: ${record.reportPath}` : ''}`;
}

export function createProgressReporter(io: CliIO, options: { json?: boolean; lineEveryMs?: number; now?: () => number } = {}): ProgressReporter {
  if (options.json) return jsonReporter(io);
  return io.isTTY ? barReporter(io) : lineReporter(io, options.lineEveryMs ?? 5_000, options.now ?? Date.now);
}

function jsonReporter(io: CliIO): ProgressReporter {
  let last = '';
  return {
    update(record) {
      const line = JSON.stringify({ importId: record.id, state: record.state, rows: record.rows ?? null, done: doneRows(record), success: record.success, error: record.error, skipped: record.skipped, calls: record.calls, paused: record.pausedReason ?? null });
      if (line !== last) io.stderr.write(`${line}\n`);
      last = line;
    },
    stop() {},
  };
}

/**
 * A line at most every `everyMs` while rows move, and at once on a change of state or of why the import
 * waits: a pause (an hour of spent credits, say) is said once when it starts, changes or ends, not
 * every few seconds of a cron log.
 */
function lineReporter(io: CliIO, everyMs: number, now: () => number): ProgressReporter {
  let lastAt = 0;
  let lastState = '';
  let lastDone = -1;
  let lastReason: string | undefined;
  const started = now();
  return {
    update(record) {
      const t = now();
      const done = doneRows(record);
      const reasonChanged = record.pausedReason !== lastReason;
      const due = t - lastAt >= everyMs && done !== lastDone;
      if (record.state === lastState && !reasonChanged && !due) return;
      const resumed = reasonChanged && record.pausedReason === undefined;
      [lastAt, lastState, lastDone, lastReason] = [t, record.state, done, record.pausedReason];
      const line = describeProgress(reasonChanged ? record : { ...record, pausedReason: undefined }, (t - started) / 1000);
      io.stderr.write(`${line}${resumed ? ' — resumed' : ''}\n`);
    },
    stop() {},
  };
}

/** "imp-… syncing: 4,210/10,000 rows (42%), 90 errors, 350 rows/s" (+ why it is paused). */
export function describeProgress(record: ImportRecord, elapsedS: number): string {
  const done = doneRows(record);
  const total = record.rows;
  const share = total ? ` (${Math.floor((done / Math.max(total, 1)) * 100)}%)` : '';
  const rate = elapsedS > 0 ? `, ${Math.round(done / elapsedS)} rows/s` : '';
  const paused = record.pausedReason ? ` — waiting: ${record.pausedReason}` : '';
  return `${record.id} ${record.state}: ${done.toLocaleString('en-US')}/${total?.toLocaleString('en-US') ?? '?'} rows${share}, ${record.error} errors${rate}${paused}`;
}

function barReporter(io: CliIO): ProgressReporter {
  const bar = new cliProgress.SingleBar({
    stream: io.stderr as NodeJS.WritableStream,
    format: ' {bar} {value}/{total} rows | {speed} rows/s | ETA {eta_formatted} | errors {errors} | {state}',
    hideCursor: true,
    etaBuffer: 50,
    fps: 5,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  const t0 = Date.now();
  return {
    update(record) {
      const payload = { errors: record.error, state: record.pausedReason ? `waiting: ${record.pausedReason}` : record.state, speed: Math.round(doneRows(record) / Math.max((Date.now() - t0) / 1000, 0.001)) };
      if (!started) {
        bar.start(record.rows ?? 0, doneRows(record), payload);
        started = true;
      }
      if (record.rows !== undefined) bar.setTotal(record.rows);
      bar.update(doneRows(record), payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
