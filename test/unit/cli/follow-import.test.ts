/** followImport without Redis: it polls the ledger to the end, shows progress, then one summary line. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../src/cli/commands/import-command.js';
import { followImport, summaryLine } from '../../../src/cli/progress.js';
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
    expect(final.state).toBe('done');
    expect(polls).toBe(3);
    const lines = text().trim().split('\n');
    expect(lines[0]).toMatch(/^imp-1 ingesting: 0\/\? rows/);
    expect(lines[1]).toMatch(/^imp-1 syncing: 4\/10 rows \(40%\), 0 errors/);
    expect(lines.slice(-2)).toEqual(['imp-1 done: 10 rows: 9 success, 1 error, 0 skipped; 2 Zoho calls', 'report: /r.csv']);
  });

  it('ends with the reason of a failed import', async () => {
    const { io, text } = capture();
    const final = await followImport(io, { getImport: async () => record({ state: 'failed', failedReason: 'x.csv: header has no column deal_ext_id' }) }, 'imp-1', { pollMs: 1 });
    expect(final.state).toBe('failed');
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
});
