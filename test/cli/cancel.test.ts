/**
 * `relsync cancel <id>` as a user runs it (a real process), on an import a worker is syncing and on
 * one no worker has taken yet. The oracle: the simulator's call counter, the ledger, the report.
 */
import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, startProcessHarness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';
import { startRelsync } from '../helpers/relsync-process.js';

async function relsync(env: Record<string, string>, args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const run = startRelsync(args, { ...env, LOG_LEVEL: 'warn' });
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('relsync cancel', () => {
  const closeAfter = useCleanup();

  it('stops an import mid-sync: no further calls, the rows not sent end skipped / CANCELLED, and the report is written', async () => {
    const s = closeAfter(await startHarness({ sim: { latencyMs: 100 }, env: { ZOHO_CONCURRENCY: '2' } }));
    const file = await writePairs(s.sim, s.dir, 300, 1); // 300 calls of one row: 15 s at 2 in flight
    const importId = await s.importFile(file.path);
    await eventually('some calls answered', async () => ((await s.runtime.ledger.getImport(importId))?.success ?? 0) >= 10);

    const run = await relsync(s.env, ['cancel', importId]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`${importId} cancelled: nothing more is sent to Zoho, rows not sent end skipped (CANCELLED) and the worker writes the report ('relsync wait ${importId}' follows it)\n`);

    const record = await s.waitDone(importId);
    const calls = s.sim.counters.calls;
    expect(calls).toBeLessThan(300);
    expect(record).toMatchObject({ state: 'done', rows: 300, success: calls, error: 0, skipped: 300 - calls, stopCode: 'CANCELLED' });
    expect(record.stopReason).toMatch(/^cancelled with 'relsync cancel' at \d{4}-\d\d-\d\dT/);
    const report = await s.readReport(record.reportPath!);
    expect(report).toHaveLength(300);
    expect(report.filter((l) => l._status === 'success')).toHaveLength(calls);
    expect(report.filter((l) => l._status === 'skipped').every((l) => l._code === 'CANCELLED' && l._message === record.stopReason)).toBe(true);

    const list = await relsync(s.env, ['list']);
    expect(list.stdout).toMatch(new RegExp(`^${importId} {2}cancelled {2}`, 'm'));

    const again = await relsync(s.env, ['cancel', importId]);
    expect(again).toMatchObject({ code: 1, stdout: '', stderr: `relsync: ${importId} has already ended (done): nothing to cancel\n` });
  });

  it('ends an import no worker has taken: its job is removed, every row CANCELLED, the report written by the canceller', async () => {
    const s = closeAfter(await startProcessHarness()); // no worker process at all
    const file = await writePairs(s.sim, s.dir, 5, 2);
    const importId = await s.importFile(file.path);
    expect(await s.runtime.queues.imports.getJobState(importId)).toBe('waiting');

    const run = await relsync(s.env, ['cancel', importId]);
    const record = await s.runtime.ledger.requireImport(importId);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`${importId} cancelled before any worker took it: 10 rows skipped (CANCELLED); report: ${record.reportPath}\n`);
    expect(record).toMatchObject({ state: 'done', rows: 10, success: 0, error: 0, skipped: 10, calls: 0, stopCode: 'CANCELLED' });
    expect(await s.runtime.queues.imports.getJob(importId)).toBeUndefined();
    await access(record.reportPath!);
    expect((await s.readReport(record.reportPath!)).map((l) => l._code)).toEqual(Array(10).fill('CANCELLED'));
    expect(s.sim.counters.calls).toBe(0);

    const unknown = await relsync(s.env, ['cancel', 'imp-nothing']);
    expect(unknown).toMatchObject({ code: 1, stderr: "relsync: imp-nothing: no such import (see 'relsync list')\n" });
  });

  it('a worker that takes an import cancelled while queued sends nothing and writes its report without ingesting it', async () => {
    const s = closeAfter(await startProcessHarness());
    const file = await writePairs(s.sim, s.dir, 4, 1);
    const importId = await s.importFile(file.path);
    // As when cancel finds the job already taken: the stop is in the ledger, the job stays for the worker.
    await s.runtime.ledger.stopImport(importId, 'CANCELLED', 'cancelled while queued');
    await s.spawnWorkers(1);
    const record = await s.waitDone(importId);
    expect(record).toMatchObject({ state: 'done', rows: 4, skipped: 4, calls: 0, stopCode: 'CANCELLED' });
    expect(record.plannedCalls).toBeUndefined(); // never ingested
    expect(s.sim.counters.calls).toBe(0);
  });
});
