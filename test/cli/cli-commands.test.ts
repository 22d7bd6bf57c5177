/**
 * The command line as a user runs it: real `relsync` processes against a real Redis, a worker and the
 * simulator. Exit codes, stdout (ids, JSON) and stderr (progress, one-line errors) are the contract
 * (docs/contract.md#commands, docs/contract.md#exit-codes).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportPaths } from '../../src/report/report-writer.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';
import { startRelsync } from '../helpers/relsync-process.js';

interface Run { code: number | string; stdout: string; stderr: string }

async function relsync(h: Harness, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const run = startRelsync(args, { ...h.env, LOG_LEVEL: 'warn', ...env });
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('relsync commands', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { RELSYNC_MAX_ATTEMPTS: '1' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('import --wait prints the id on stdout, progress lines and the summary on stderr, and exits 2 when rows end in error', async () => {
    const file = await h.writeCsv('mixed.csv', [
      ['contact_ext_id', 'deal_ext_id', 'contact_role'],
      ['C-0001', 'D-0001', ''], ['C-0001', 'D-NOPE', ''], ['C-0002', '', ''],
    ]);
    const run = await relsync(h, ['import', file, '--wait']);
    expect(run.code).toBe(2);
    const importId = run.stdout.trim();
    expect(importId).toMatch(/^imp-\d{8}-\d{6}-[0-9a-f]{6}$/);
    // stderr: progress lines ("<id> <state>: <done>/<total> rows…"), then the summary and the report path.
    const lines = run.stderr.trimEnd().split('\n');
    const summaryAt = lines.indexOf(`${importId} done: 3 rows: 1 success, 2 error, 0 skipped; 1 Zoho calls`);
    expect(summaryAt).toBeGreaterThan(0); // progress came first
    expect(lines.slice(summaryAt + 1)).toEqual([`report: ${join(h.dir, 'reports', `${importId}.report.csv`)}`]);
    const progress = lines.slice(0, summaryAt);
    for (const line of progress) expect(line).toMatch(new RegExp(`^${importId} (queued|ingesting|syncing|reporting|done): \\d+/(\\d+|\\?) rows`));
    expect(progress.at(-1)).toMatch(new RegExp(`^${importId} done: 3/3 rows \\(100%\\), 2 errors`));

    // Like import --wait: 2 when the import is done with rows in error (1 failed, 0 otherwise).
    const status = await relsync(h, ['status', importId, '--json']);
    expect(status.code).toBe(2);
    expect(JSON.parse(status.stdout)).toMatchObject({ importId, state: 'done', rows: 3, success: 1, error: 2, skipped: 0, calls: 1, paused: null });
    const text = await relsync(h, ['status', importId]);
    expect(text.stdout).toContain('rows     3/3 done: 1 success, 2 error, 0 skipped');
    expect(text.code).toBe(2);

    const out = join(h.dir, 'again.csv');
    const report = await relsync(h, ['report', importId, '--out', out]);
    expect(report.code).toBe(2);
    expect(report.stdout.trim()).toBe(out);
    expect(await readFile(out, 'utf8')).toBe(await readFile(join(h.dir, 'reports', `${importId}.report.csv`), 'utf8'));

    const list = await relsync(h, ['list', '--json']);
    expect(JSON.parse(list.stdout).map((r: { importId: string }) => r.importId)).toContain(importId);
  });

  it('retry starts a new import of only the rows in error, linked to the first, which then succeed', async () => {
    const file = await writePairs(h.sim, h.dir, 4, 2, 'flaky.csv');
    h.sim.setOptions({ failRate: 1 }); // every call answered 5xx; one attempt allowed
    const first = await relsync(h, ['import', file.path, '--wait']);
    h.sim.setOptions({ failRate: 0 });
    expect(first.code).toBe(2);
    const firstId = first.stdout.trim();
    expect(first.stderr).toContain('8 rows: 0 success, 8 error');
    const errors = await h.readReport(reportPaths(join(h.dir, 'reports', `${firstId}.report.csv`)).errors);
    expect(new Set(errors.map((l) => l._code))).toEqual(new Set(['RETRIES_EXHAUSTED']));

    const retry = await relsync(h, ['retry', firstId, '--wait']);
    expect(retry.code).toBe(0);
    const retryId = retry.stdout.trim();
    expect(retry.stderr).toContain(`retrying 8 row(s) of ${firstId} as ${retryId}`);
    const retried = await relsync(h, ['status', retryId, '--json']);
    expect(JSON.parse(retried.stdout)).toMatchObject({ state: 'done', rows: 8, success: 8, error: 0, retryOf: firstId });
    expect(retried.code).toBe(0);
  });

  it('status exits 1 for a failed import, 0 for one still running, and --version prints the package version', async () => {
    await h.runtime.ledger.createImport({ id: 'imp-status-failed', origin: 'cli', source: join(h.dir, 'x.csv'), sourceName: 'x.csv', profileName: 'contacts-deals', profileJson: '{}' });
    await h.runtime.ledger.setState('imp-status-failed', 'failed', { failedReason: 'x.csv: line 1: bad', finishedAt: Date.now() });
    const failed = await relsync(h, ['status', 'imp-status-failed']);
    expect(failed.stdout).toContain('failed   x.csv: line 1: bad');
    expect(failed.code).toBe(1);
    await h.runtime.ledger.createImport({ id: 'imp-status-running', origin: 'cli', source: join(h.dir, 'y.csv'), sourceName: 'y.csv', profileName: 'contacts-deals', profileJson: '{}' });
    await h.runtime.ledger.setState('imp-status-running', 'syncing');
    await h.runtime.ledger.recordOutcomes('imp-status-running', [{ row: 1, status: 'error', code: 'MISSING_VALUE', message: 'deal_ext_id is empty' }]);
    expect((await relsync(h, ['status', 'imp-status-running', '--json'])).code).toBe(0);

    const { version } = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(await relsync(h, ['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('import --dry-run plans without Zoho and writes a report of the rows that would fail', async () => {
    const file = await h.writeCsv('plan.csv', [
      ['contact_ext_id', 'deal_ext_id', 'contact_role'],
      ...Array.from({ length: 250 }, (_, i) => ['C-0001', `D-${String(i + 1).padStart(4, '0')}`, '']),
      ['C-0002', 'D-0001', ''], ['', 'D-0002', ''], ['C-0002', 'D-0001', ''],
    ]);
    const calls = h.sim.counters.calls;
    const run = await relsync(h, ['import', file, '--dry-run', '--report', join(h.dir, 'plan.report.csv')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('dry run of');
    expect(run.stdout).toMatch(/valid, to send: +251\n/);
    expect(run.stdout).toMatch(/invalid \(errors\): +1\n/);
    expect(run.stdout).toMatch(/duplicates \(skipped\): +1\n/);
    expect(run.stdout).toMatch(/API calls: +4 \(at most 100 entries each\)/);
    const report = await h.readReport(join(h.dir, 'plan.report.csv'));
    expect(report).toHaveLength(253);
    expect(report.filter((l) => l._code === 'DRY_RUN')).toHaveLength(251);
    expect(report[251]).toMatchObject({ _status: 'error', _code: 'MISSING_VALUE' });
    expect(report[250]).toMatchObject({ _status: 'skipped', _code: 'DUPLICATE_PAIR' });
    expect(h.sim.counters.calls).toBe(calls);
  });

  it('import --wait exits 0 for a file whose only oddity is Excel\'s ;;; leftover lines: they are blank lines, not rows in error', async () => {
    const file = join(h.dir, 'leftovers.csv');
    await writeFile(file, 'contact_ext_id;deal_ext_id;contact_role\r\nC-0003;D-0003;\r\n;;\r\nC-0004;D-0004;\r\n;;\r\n;;\r\n');
    const run = await relsync(h, ['import', file, '--wait']);
    expect(run.stderr).toContain(': 2 rows: 2 success, 0 error, 0 skipped');
    expect(run.code).toBe(0);
  });

  it('answers a user mistake with one line and exit 1, never a stack trace', async () => {
    const missing = await relsync(h, ['import', join(h.dir, 'nope.csv')]);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe(`relsync: ${join(h.dir, 'nope.csv')}: file not found\n`);

    const header = await h.writeCsv('header.csv', [['contact', 'deal'], ['C-0001', 'D-0001']]);
    const bad = await relsync(h, ['import', header]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^relsync: .*header\.csv: missing column\(s\) contact_ext_id, deal_ext_id.*the file has: contact, deal\n$/);

    const config = await relsync(h, ['status', 'x'], { ZOHO_CONCURRENCY: 'ten', ZOHO_DC: 'mars' });
    expect(config.code).toBe(1);
    expect(config.stderr).toBe("relsync: invalid configuration: ZOHO_DC: expected one of us eu in au jp ca cn sa, got 'mars'; ZOHO_CONCURRENCY: expected an integer 1-25, got 'ten'\n");

    const unknown = await relsync(h, ['status', 'imp-nothing']);
    expect(unknown).toMatchObject({ code: 1, stderr: "relsync: imp-nothing: no such import (see 'relsync list')\n" });

    const redis = await relsync(h, ['status', 'x'], { REDIS_URL: 'redis://:hunter2@127.0.0.1:1' });
    expect(redis.code).toBe(1);
    expect(redis.stderr).toBe("relsync: Redis unreachable at redis://:***@127.0.0.1:1 (REDIS_URL): connect ECONNREFUSED 127.0.0.1:1\n");
    expect(redis.stderr).not.toContain('hunter2');
  });
});
