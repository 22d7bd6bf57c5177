/** followImport without Redis: it polls the ledger to the end, shows progress, then one summary line. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../src/cli/commands/import-command.js';
import { exitCodeOfFollow, followImport } from '../../../src/cli/follow-import.js';
import { summaryLine } from '../../../src/cli/progress.js';
import type { ImportRecord } from '../../../src/ledger/run-ledger.js';

function record(fields: Partial<ImportRecord>): ImportRecord {
  return {
    id: 'imp-1', state: 'syncing', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'contacts-deals', profileJson: '{}',
    createdAt: 0, updatedAt: 0, success: 0, error: 0, skipped: 0, calls: 0, retries: 0, rateLimited: 0, ...fields,
  };
}

function capture() {
  let text = '';
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString()), done()) });
  return { io: { stdout: stream, stderr: stream, cwd: '/', isTTY: false }, text: () => text };
}

describe('followImport', () => {
  it('polls until the import ends, prints progress on the way, and returns the final record', async () => {
    const states = [
      record({ state: 'ingesting' }),
      record({ rows: 10, success: 4 }),
      record({ rows: 10, success: 9, error: 1, state: 'done', calls: 2, reportPath: '/r.csv' }),
    ];
    let polls = 0;
    const ledger = { getImport: async () => states[Math.min(polls++, states.length - 1)] };
    const { io, text } = capture();
    const final = await followImport(io, ledger, 'imp-1', { pollMs: 1, lineEveryMs: 0 });
    expect(final).toMatchObject({ ended: true, record: { state: 'done' } });
    expect(polls).toBe(3);
    const lines = text().trim().split('\n');
    expect(lines[0]).toMatch(/^imp-1 ingesting: 0\/\? rows/);
    expect(lines[1]).toMatch(/^imp-1 syncing: 4\/10 rows \(40%\), 0 errors/);
    expect(lines.slice(-2)).toEqual(['imp-1 done: 10 rows: 9 success, 1 error, 0 skipped; 2 Zoho calls', 'report: /r.csv']);
  });

  it('reads the ledger every endPollMs, not every pollMs, once every row has its outcome or the report is being written', { timeout: 10_000 }, async () => {
    const states = [
      record({ rows: 10, success: 10 }),
      record({ rows: 10, success: 10, state: 'reporting' }),
      record({ rows: 10, success: 10, state: 'done' }),
    ];
    let polls = 0;
    const ledger = { getImport: async () => states[Math.min(polls++, states.length - 1)] };
    // An hour between reads while rows are still being sent: only the end's own pace lets it finish.
    const final = await followImport(capture().io, ledger, 'imp-1', { pollMs: 3_600_000, endPollMs: 1 });
    expect(final).toMatchObject({ ended: true, record: { state: 'done' } });
    expect(polls).toBe(3);
  });

  it('ends with the reason of a failed import', async () => {
    const { io, text } = capture();
    const final = await followImport(io, { getImport: async () => record({ state: 'failed', failedReason: 'x.csv: header has no column deal_ext_id' }) }, 'imp-1', { pollMs: 1 });
    expect(final).toMatchObject({ ended: true, record: { state: 'failed' } });
    expect(exitCodeOfFollow(final)).toBe(1);
    expect(text().trim().split('\n').at(-1)).toBe('imp-1 failed: x.csv: header has no column deal_ext_id');
  });

  it('says so when the import is not in the ledger, instead of waiting for ever', async () => {
    const { io } = capture();
    await expect(followImport(io, { getImport: async () => undefined }, 'imp-gone', { pollMs: 1 })).rejects.toThrow(/imp-gone disappeared/);
  });

  it('says first why a stopped import ended early, and exits 2 even when no row is in error', () => {
    const aborted = record({ state: 'done', rows: 10, error: 3, skipped: 7, calls: 3, reportPath: '/r.csv', stopCode: 'ABORTED', stopReason: 'stopped after 3 calls in a row were answered INVALID_MODULE' });
    expect(summaryLine(aborted)).toBe('imp-1 aborted: stopped after 3 calls in a row were answered INVALID_MODULE — 10 rows: 0 success, 3 error, 7 skipped; 3 Zoho calls\nreport: /r.csv');
    expect(exitCodeFor(aborted)).toBe(2);
    const cancelled = record({ state: 'done', rows: 10, success: 4, skipped: 6, calls: 1, stopCode: 'CANCELLED', stopReason: 'cancelled with relsync cancel' });
    expect(summaryLine(cancelled)).toBe('imp-1 cancelled: cancelled with relsync cancel — 10 rows: 4 success, 0 error, 6 skipped; 1 Zoho calls');
    expect(exitCodeFor(cancelled)).toBe(2);
    expect(exitCodeFor(record({ state: 'done', rows: 10, success: 4, skipped: 6 }))).toBe(0);
  });

  const running = { getImport: async () => record({ state: 'syncing', rows: 10, success: 4 }) };

  it('stops waiting when --timeout passes, in one line that says the import goes on and how to follow it; exit 1', async () => {
    const { io, text } = capture();
    const result = await followImport(io, running, 'imp-1', { pollMs: 5, timeoutMs: 50 });
    expect(result).toMatchObject({ ended: false, why: 'timeout', record: { state: 'syncing' } });
    expect(exitCodeOfFollow(result)).toBe(1);
    expect(text().trim().split('\n').at(-1)).toBe("relsync: stopped waiting after 0.05 s (--timeout): imp-1 goes on (syncing, 4/10 rows); follow it with 'relsync wait imp-1'");
  });

  it('times out even while the ledger does not answer (Redis down)', async () => {
    const { io } = capture();
    const result = await followImport(io, { getImport: () => new Promise<never>(() => undefined) }, 'imp-1', { pollMs: 5, timeoutMs: 50 });
    expect(result).toEqual({ ended: false, why: 'timeout', record: undefined });
  });

  it('stops waiting once no worker has served the prefix for the grace period, not before, and not while one does', async () => {
    let workers = 0;
    let t = 0;
    const counted: number[] = [];
    const { io, text } = capture();
    const result = await followImport(io, running, 'imp-1', {
      pollMs: 1, now: () => (t += 100), workerCheckMs: 0, noWorkerGraceMs: 1_000,
      workers: { prefix: 'nightly', count: async () => (counted.push(t), t === 300 ? 1 : workers) },
    });
    expect(result).toMatchObject({ ended: false, why: 'no-worker' });
    // A worker seen at t=300 restarts the grace period: about 1 s of our clock after it, not before.
    expect(counted.at(-1)! - 300).toBeGreaterThanOrEqual(1_000);
    expect(exitCodeOfFollow(result)).toBe(1);
    expect(text().trim().split('\n').at(-1)).toBe("relsync: no worker serves RELSYNC_PREFIX=nightly: imp-1 waits (syncing, 4/10 rows) and goes on when one starts ('relsync worker'); follow it with 'relsync wait imp-1'");
    workers = 1;
    const done = { getImport: async () => (workers++ > 3 ? record({ state: 'done', rows: 1, success: 1 }) : record({})) };
    expect(await followImport(capture().io, done, 'imp-1', { pollMs: 1, workerCheckMs: 0, noWorkerGraceMs: 0, workers: { prefix: 'p', count: async () => 1 } })).toMatchObject({ ended: true });
  });

  it('stops waiting on Ctrl-C, says how to re-attach with relsync wait, and exits 130', async () => {
    let interrupt: (() => void) | undefined;
    const { io, text } = capture();
    const result = followImport({ ...io, onInterrupt: (handler) => ((interrupt = handler), () => (interrupt = undefined)) }, running, 'imp-1', { pollMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    interrupt!();
    expect(await result).toMatchObject({ ended: false, why: 'interrupted' });
    expect(exitCodeOfFollow(await result)).toBe(130);
    expect(interrupt).toBeUndefined(); // the handler is removed: a second Ctrl-C does what it always does
    expect(text().trim().split('\n').at(-1)).toBe("stopped waiting: imp-1 goes on (syncing, 4/10 rows); follow it with 'relsync wait imp-1', or stop it with 'relsync cancel imp-1'");
  });
});
