/**
 * A mirror run under real faults: two real worker processes, one SIGKILLed while calls are in flight,
 * Zoho losing answers and failing calls now and then. The simulator's links and the run ledger are the
 * oracle: every row and every removal ends with exactly one outcome, and Zoho holds exactly the file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { registrationFor } from '../../src/app/queues.js';
import { formatCsvRow } from '../../src/report/csv-format.js';
import { reportPaths } from '../../src/report/report-writer.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { eventually } from '../helpers/eventually.js';
import { startProcessHarness, type ProcessHarness } from '../helpers/harness.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startRelsync } from '../helpers/relsync-process.js';
import { associationKey, associationsOf } from '../helpers/pairs.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const FAST_RECOVERY = { RELSYNC_LOCK_DURATION_MS: '2000', RELSYNC_STALLED_INTERVAL_MS: '1000', RELSYNC_SHUTDOWN_TIMEOUT_MS: '10000' };
const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role'];

describe('mirror under faults', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('a worker SIGKILLed in the middle of a mirror run: every row and every removal ends exactly once, and Zoho holds exactly the file', async () => {
    const s: ProcessHarness = await startProcessHarness({ sim: { latencyMs: 120, jitterMs: 20 }, env: { ...FAST_RECOVERY, ZOHO_CONCURRENCY: '6' } });
    cleanups.push(() => s.close());
    const [victim] = await s.spawnWorkers(2);
    const contacts = s.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID)).slice(0, 60);
    const deals = s.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
    const [r0, r1] = [s.sim.dataset.contactRoles[0]!.id, s.sim.dataset.contactRoles[1]!.id];
    const dealsOf = (i: number) => deals.slice(i * 8, i * 8 + 8); // 6 linked now, 2 new
    const write = async (name: string, rows: string[][]) => {
      const path = join(s.dir, name);
      await writeFile(path, `${[HEADER, ...rows].map((r) => formatCsvRow(r)).join('\n')}\n`);
      return path;
    };
    const seed = await write('seed.csv', contacts.flatMap((c, i) => dealsOf(i).slice(0, 6).map((d) => [c.External_Contact_ID, d.External_Deal_ID, r0])));
    expect(await s.waitDone(await s.importFile(seed))).toMatchObject({ state: 'done', success: 360 });

    // The first 10 contacts: 2 unchanged, 2 with another role, 2 new; the other 50: 4 unchanged. Every
    // contact has 2 of its 6 links left out: most calls in flight are DELETEs when the worker dies.
    const wanted = (i: number): Array<[{ id: string; External_Deal_ID: string }, string]> => {
      const d = dealsOf(i);
      return i < 10 ? [[d[0]!, r0], [d[1]!, r0], [d[2]!, r1], [d[3]!, r1], [d[6]!, r1], [d[7]!, r0]] : [[d[0]!, r0], [d[1]!, r0], [d[2]!, r0], [d[3]!, r0]];
    };
    const rows = contacts.flatMap((c, i) => wanted(i).map(([deal, role]) => [c.External_Contact_ID, deal.External_Deal_ID, role]));
    const file = await write('mirror.csv', rows);
    s.sim.resetCounters();
    s.sim.setOptions({ lostResponseRate: 0.05, failRate: 0.05 });
    const { importId } = await registerImport(registrationFor(s.config, s.runtime), { file, profile: 'contacts-deals', origin: 'cli', cwd: s.dir, mode: 'mirror', allowRemovals: true });
    await eventually('DELETEs in flight', () => (s.sim.counters.byMethod.DELETE ?? 0) > 12 && s.sim.counters.inFlight > 2);
    victim!.kill('SIGKILL');
    expect(await victim!.exited).toBe('SIGKILL');

    const record = await s.waitDone(importId);
    expect(record).toMatchObject({ state: 'done', rows: 260, success: 40, skipped: 220, error: 0, plannedRemovals: 120, removalsSuccess: 120 });
    expect(await s.runtime.ledger.countOutcomes(importId)).toBe(260);
    const removed = await s.readReport(reportPaths(record.reportPath!).removed);
    expect(removed).toHaveLength(120);
    expect(new Set(removed.map((l) => `${l.contact_ext_id}|${l._zoho_id}`)).size).toBe(120);
    expect(removed.every((l) => l._status === 'success')).toBe(true);
    const report = await s.readReport(record.reportPath!);
    expect(report.filter((l) => l._code === 'UNCHANGED')).toHaveLength(220);

    const expected = new Set(contacts.flatMap((c, i) => wanted(i).map(([deal, role]) => associationKey(c.id, deal.id, role))));
    const ids = new Set(contacts.map((c) => c.id));
    expect(new Set([...associationsOf(s.sim)].filter((a) => ids.has(a.split('|')[0]!)))).toEqual(expected);
  });

  it('a mirror finishes when Redis is stopped and restarted mid-run (AOF on): each removal once, Zoho holds exactly the file', async () => {
    const redis: TestRedis = await startTestRedis({ appendonly: true });
    cleanups.push(() => redis.destroy());
    const s = await startProcessHarness({ sim: { latencyMs: 30, jitterMs: 10 }, env: { ...FAST_RECOVERY, ZOHO_CONCURRENCY: '4' }, redisUrl: redis.url });
    cleanups.push(() => s.close());
    await s.spawnWorkers(2);
    const contacts = s.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID)).slice(0, 80);
    const deals = s.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
    const role = s.sim.dataset.contactRoles[0]!.id;
    const write = async (name: string, rows: string[][]) => {
      const path = join(s.dir, name);
      await writeFile(path, `${[HEADER, ...rows].map((r) => formatCsvRow(r)).join('\n')}\n`);
      return path;
    };
    const seed = await write('seed.csv', contacts.flatMap((c, i) => deals.slice(i * 3, i * 3 + 3).map((d) => [c.External_Contact_ID, d.External_Deal_ID, role])));
    expect(await s.waitDone(await s.importFile(seed))).toMatchObject({ state: 'done', success: 240 });
    // Each contact keeps 2 of its 3 links and gains 1: 80 PUTs, 80 DELETEs.
    const keep = (i: number) => [...deals.slice(i * 3, i * 3 + 2), deals[500 + i]!];
    const file = await write('mirror.csv', contacts.flatMap((c, i) => keep(i).map((d) => [c.External_Contact_ID, d.External_Deal_ID, role])));
    s.sim.resetCounters();
    const cli = startRelsync(['import', file, '--mode', 'mirror', '--allow-removals', '--wait'], { ...s.env, LOG_LEVEL: 'warn' });
    cleanups.push(async () => cli.kill('SIGKILL'));
    await eventually('writes under way', () => (s.sim.counters.byMethod.DELETE ?? 0) + (s.sim.counters.byMethod.PUT ?? 0) > 20);
    await redis.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await redis.start();
    expect(await cli.exited).toBe(0);
    const record = await s.runtime.ledger.requireImport(cli.stdout().trim());
    expect(record).toMatchObject({ state: 'done', rows: 240, success: 80, skipped: 160, error: 0, plannedRemovals: 80, removalsSuccess: 80 });
    expect(await s.readReport(reportPaths(record.reportPath!).removed)).toHaveLength(80);
    const ids = new Set(contacts.map((c) => c.id));
    const expected = new Set(contacts.flatMap((c, i) => keep(i).map((d) => associationKey(c.id, d.id, role))));
    expect(new Set([...associationsOf(s.sim)].filter((a) => ids.has(a.split('|')[0]!)))).toEqual(expected);
  });
});
