/**
 * Follow an import to its end on stderr — `import --wait`, `retry --wait`, `wait`, the demo — with
 * progress on the way and its summary line at the end. It never hangs: it stops waiting (the import
 * goes on) when `--timeout` passes, when no worker serves RELSYNC_PREFIX for a few seconds, or on
 * Ctrl-C, and says which in one line that tells how to follow it again (`relsync wait <id>`).
 */
import type { ImportRecord, RunLedger } from '../ledger/run-ledger.js';
import { ExitCode, type CliIO } from './cli-io.js';
import { createProgressReporter, doneRows, summaryLine } from './progress.js';

export type StoppedWaiting = 'timeout' | 'no-worker' | 'interrupted';

export type FollowResult =
  | { ended: true; record: ImportRecord }
  /** Stopped waiting; the import goes on. `record` is the last one read, if any was. */
  | { ended: false; why: StoppedWaiting; record?: ImportRecord };

export interface FollowOptions {
  json?: boolean;
  lineEveryMs?: number;
  /**
   * How often the ledger is read, in ms. Default 100: one small read, and for a small import (an hourly
   * delta of seconds) the wait between its end and our next read is a real share of its time.
   */
  pollMs?: number;
  /**
   * How often once the end is near (every row has its outcome, or the report is being written), in ms.
   * Default 10: that stretch lasts a few hundred ms at most, and the exit waits on this read.
   */
  endPollMs?: number;
  /** Stop waiting after this long, in ms (`--timeout`). Default: no limit. */
  timeoutMs?: number;
  /**
   * How many workers serve this prefix (BullMQ's getWorkersCount), and the prefix to name. Without
   * it (the demo runs its own worker) there is no check.
   */
  workers?: { count: () => Promise<number>; prefix: string };
  /** How long no worker may serve the prefix before we stop waiting, in ms: a restarting worker is not gone. Default 5 s. */
  noWorkerGraceMs?: number;
  /** How often workers are counted, in ms. Default 1 s. */
  workerCheckMs?: number;
  now?: () => number;
}

const HALTED = Symbol('halted');

export async function followImport(io: CliIO, ledger: Pick<RunLedger, 'getImport'>, importId: string, options: FollowOptions = {}): Promise<FollowResult> {
  const now = options.now ?? Date.now;
  const progress = createProgressReporter(io, { json: options.json, lineEveryMs: options.lineEveryMs });
  const halt = new AbortController();
  let why: StoppedWaiting | undefined;
  const stopWaiting = (reason: StoppedWaiting): void => {
    why ??= reason;
    halt.abort();
  };
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stopWaiting('timeout'), options.timeoutMs);
  const offInterrupt = io.onInterrupt?.(() => stopWaiting('interrupted'));
  let last: ImportRecord | undefined;
  try {
    const noWorker = noWorkerWatch(options, now);
    for (;;) {
      const record = await untilHalted(ledger.getImport(importId), halt.signal);
      if (record === HALTED) break;
      if (!record) throw new Error(`import ${importId} disappeared from the ledger`);
      last = record;
      progress.update(record);
      if (record.state === 'done' || record.state === 'failed') {
        progress.stop();
        io.stderr.write(`${summaryLine(record)}\n`);
        return { ended: true, record };
      }
      if ((await untilHalted(noWorker.gone(), halt.signal)) === true) stopWaiting('no-worker');
      await sleep(isNearEnd(record) ? Math.min(options.endPollMs ?? 10, options.pollMs ?? 100) : (options.pollMs ?? 100), halt.signal);
      if (halt.signal.aborted) break;
    }
    progress.stop();
    const reason = why ?? 'interrupted';
    io.stderr.write(`${stoppedWaitingLine(importId, reason, last, options)}\n`);
    return { ended: false, why: reason, record: last };
  } catch (error) {
    progress.stop();
    throw error;
  } finally {
    clearTimeout(timer);
    offInterrupt?.();
  }
}

/** Every row has its outcome, or the report is being written: the import ends within moments. */
function isNearEnd(record: ImportRecord): boolean {
  return record.state === 'reporting' || (record.state === 'syncing' && record.rows !== undefined && doneRows(record) >= record.rows);
}

/** The exit code of a wait: the import's own when it ended; 130 after Ctrl-C; 1 when we stopped waiting otherwise. */
export function exitCodeOfFollow(result: FollowResult): number {
  if (result.ended) return exitCodeFor(result.record);
  return result.why === 'interrupted' ? ExitCode.interrupted : ExitCode.couldNotRun;
}

export function exitCodeFor(record: ImportRecord): number {
  if (record.state === 'failed') return ExitCode.couldNotRun;
  // Stopped early (aborted or cancelled): the file was not applied, even if no row is in error.
  if (record.stopCode) return ExitCode.rowsInError;
  // Every row was sent, but the report is missing: not "could not run", and not a clean 0 either.
  return record.error > 0 || (record.removalsError ?? 0) > 0 || record.reportError ? ExitCode.rowsInError : ExitCode.ok;
}

/** One line: why we stopped waiting, where the import is, and how to follow it again. */
export function stoppedWaitingLine(importId: string, why: StoppedWaiting, record: ImportRecord | undefined, options: Pick<FollowOptions, 'timeoutMs' | 'workers'>): string {
  const where = record ? `${record.state}, ${doneRows(record).toLocaleString('en-US')}/${record.rows?.toLocaleString('en-US') ?? '?'} rows` : 'state unknown';
  const again = `follow it with 'relsync wait ${importId}'`;
  switch (why) {
    case 'timeout':
      return `relsync: stopped waiting after ${(options.timeoutMs ?? 0) / 1000} s (--timeout): ${importId} goes on (${where}); ${again}`;
    case 'no-worker':
      return `relsync: no worker serves RELSYNC_PREFIX=${options.workers?.prefix ?? '?'}: ${importId} waits (${where}) and goes on when one starts ('relsync worker'); ${again}`;
    case 'interrupted':
      return `stopped waiting: ${importId} goes on (${where}); ${again}, or stop it with 'relsync cancel ${importId}'`;
  }
}

/** Counts workers every `workerCheckMs`; `gone()` is true once none has served the prefix for the grace period. */
function noWorkerWatch(options: FollowOptions, now: () => number): { gone(): Promise<boolean> } {
  const workers = options.workers;
  const graceMs = options.noWorkerGraceMs ?? 5_000;
  const everyMs = options.workerCheckMs ?? 1_000;
  let checkedAt = -Infinity;
  let noneSince: number | undefined;
  return {
    async gone() {
      const t = now();
      if (!workers || t - checkedAt < everyMs) return false;
      checkedAt = t;
      // A Redis that cannot list its clients proves nothing: keep waiting.
      const count = await workers.count().catch(() => undefined);
      if (count === undefined || count > 0) {
        noneSince = undefined;
        return false;
      }
      noneSince ??= t;
      return t - noneSince >= graceMs;
    },
  };
}

/** The promise's value, or HALTED as soon as `signal` aborts (the promise is left to settle unobserved). */
async function untilHalted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof HALTED> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return HALTED;
  }
  let onAbort: (() => void) | undefined;
  const halted = new Promise<typeof HALTED>((resolve) => {
    onAbort = () => resolve(HALTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, halted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
    promise.catch(() => undefined);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
