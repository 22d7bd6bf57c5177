import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../../src/cli/cli-io.js';
import { createProgressReporter, describeProgress } from '../../../src/cli/progress.js';
import type { ImportRecord } from '../../../src/ledger/run-ledger.js';

class Capture extends Writable {
  text = '';
  isTTY: boolean;
  columns = 120;
  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const io = (stderr: Capture): CliIO => ({ stdout: new Capture(false), stderr, cwd: '/', isTTY: stderr.isTTY });
const record = (over: Partial<ImportRecord>): ImportRecord => ({
  id: 'imp-1', state: 'syncing', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'contacts-deals', profileJson: '{}',
  createdAt: 0, updatedAt: 0, rows: 10_000, success: 4_100, error: 90, skipped: 20, calls: 50, retries: 0, rateLimited: 0, ...over,
});

describe('progress', () => {
  it('describes progress in one line, with why it waits when paused', () => {
    expect(describeProgress(record({}), 10)).toBe('imp-1 syncing: 4,210/10,000 rows (42%), 90 errors, 421 rows/s');
    expect(describeProgress(record({ rows: undefined, state: 'queued', success: 0, error: 0, skipped: 0 }), 0)).toBe('imp-1 queued: 0/? rows, 0 errors');
    expect(describeProgress(record({ pausedReason: 'Zoho API credits exhausted (429)' }), 10)).toMatch(/, 421 rows\/s — waiting: Zoho API credits exhausted \(429\)$/);
  });

  it('prints plain lines when stderr is not a terminal: at most one per interval, and on every state change', () => {
    const err = new Capture(false);
    let now = 0;
    const reporter = createProgressReporter(io(err), { lineEveryMs: 5_000, now: () => now });
    reporter.update(record({ success: 0, error: 0, skipped: 0 }));
    now = 1_000;
    reporter.update(record({ success: 100 }));
    now = 6_000;
    reporter.update(record({ success: 5_000 }));
    now = 6_500;
    reporter.update(record({ state: 'done', success: 9_890, error: 90, skipped: 20 }));
    reporter.stop();
    expect(err.text.split('\n').filter(Boolean)).toEqual([
      'imp-1 syncing: 0/10,000 rows (0%), 0 errors',
      'imp-1 syncing: 5,110/10,000 rows (51%), 90 errors, 852 rows/s',
      'imp-1 done: 10,000/10,000 rows (100%), 90 errors, 1538 rows/s',
    ]);
    expect(err.text).not.toContain('\u001b[');
  });

  it('says why a paused import waits when the reason appears or changes, and when it resumes — not on every interval', () => {
    const err = new Capture(false);
    let now = 0;
    const reporter = createProgressReporter(io(err), { lineEveryMs: 5_000, now: () => now });
    const credits = 'Zoho API credits exhausted (429): waiting for the rolling 24-hour window to free credits';
    reporter.update(record({ success: 0, error: 0, skipped: 0 }));
    now = 1_000;
    reporter.update(record({ success: 100, pausedReason: credits }));
    for (now = 6_000; now <= 60_000; now += 5_000) reporter.update(record({ success: 100, pausedReason: credits }));
    reporter.update(record({ success: 300, pausedReason: credits })); // rows move: a line, the reason not repeated
    now = 70_000;
    reporter.update(record({ success: 300, pausedReason: 'cannot get a Zoho access token: invalid_code' }));
    now = 71_000;
    reporter.update(record({ success: 300 }));
    reporter.stop();
    expect(err.text.split('\n').filter(Boolean)).toEqual([
      'imp-1 syncing: 0/10,000 rows (0%), 0 errors',
      `imp-1 syncing: 210/10,000 rows (2%), 90 errors, 210 rows/s — waiting: ${credits}`,
      'imp-1 syncing: 410/10,000 rows (4%), 90 errors, 7 rows/s',
      'imp-1 syncing: 410/10,000 rows (4%), 90 errors, 6 rows/s — waiting: cannot get a Zoho access token: invalid_code',
      'imp-1 syncing: 410/10,000 rows (4%), 90 errors, 6 rows/s — resumed',
    ]);
  });

  it('draws a live bar on a terminal: rows done of total, rate, ETA, errors so far, state', () => {
    const err = new Capture(true);
    const reporter = createProgressReporter(io(err));
    reporter.update(record({ success: 1_000, error: 5, skipped: 0 }));
    reporter.update(record({ state: 'done', success: 9_995, error: 5, skipped: 0 }));
    reporter.stop();
    expect(err.text).toContain('\u001b['); // cursor control: redrawn in place
    expect(err.text).toMatch(/ 10000\/10000 rows \| \d+ rows\/s \| ETA \S+ \| errors 5 \| done/);
  });

  it('writes JSON lines for machines, one per change', () => {
    const err = new Capture(false);
    const reporter = createProgressReporter(io(err), { json: true });
    reporter.update(record({}));
    reporter.update(record({}));
    reporter.update(record({ state: 'done', success: 9_890 }));
    const lines = err.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { importId: 'imp-1', state: 'syncing', rows: 10_000, done: 4_210, success: 4_100, error: 90, skipped: 20, calls: 50, paused: null },
      { importId: 'imp-1', state: 'done', rows: 10_000, done: 10_000, success: 9_890, error: 90, skipped: 20, calls: 50, paused: null },
    ]);
  });
});
