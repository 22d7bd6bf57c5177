/**
 * `--mode unlink` and `--mode mirror` end to end: real Redis, the simulator over loopback HTTP, the real
 * worker runtime. The oracle is the simulator's links (what Zoho holds) and its counters (calls made).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ImportMode } from '../../jobs/import.job.js';
import { registrationFor } from '../../src/app/queues.js';
import { runDryRun } from '../../src/cli/commands/dry-run-command.js';
import { captureIO } from '../helpers/cli-io.js';
import { runImportJob } from '../helpers/import-jobs.js';
import { reportPaths } from '../../src/report/report-writer.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { undoImport } from '../../src/usecases/undo-import.js';
import { statusText } from '../../src/cli/commands/status-command.js';
import { useCleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { associationKey, associationsOf } from '../helpers/pairs.js';

const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role'];

interface Sim { contacts: Array<{ id: string; External_Contact_ID: string }>; deals: Array<{ id: string; External_Deal_ID: string }>; roles: Array<{ id: string }> }

function records(h: Harness): Sim {
  return {
    contacts: h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID)),
    deals: h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID)),
    roles: h.sim.dataset.contactRoles,
  };
}

async function importWith(h: Harness, file: string, mode: ImportMode, allowRemovals = false): Promise<string> {
  const { importId } = await registerImport(registrationFor(h.config, h.runtime), { file, profile: 'contacts-deals', origin: 'cli', cwd: h.dir, mode, allowRemovals });
  return importId;
}

/** The contact's current links, as `contactId|dealId|role`. */
function linksOf(h: Harness, contactId: string): Set<string> {
  return new Set(h.sim.associations().filter((a) => a.contactId === contactId).map((a) => associationKey(a.contactId, a.dealId, a.contactRoleId)));
}

describe('unlink and mirror', () => {
  const closeAfter = useCleanup();
  let h: Harness;
  beforeEach(async () => {
    h = closeAfter(await startHarness());
  });

  it('unlink removes linked pairs, skips NOT_LINKED pairs, and fails the rows of an unknown contact; every other link stays', async () => {
    const { contacts, deals, roles } = records(h);
    const [c1, c2] = [contacts[0]!, contacts[1]!];
    const linked = deals.slice(0, 5);
    const seed = await h.writeCsv('seed.csv', [HEADER, ...linked.map((d) => [c1.External_Contact_ID, d.External_Deal_ID, roles[0]!.id]), [c2.External_Contact_ID, linked[0]!.External_Deal_ID, roles[1]!.id]]);
    expect(await h.waitDone(await h.importFile(seed))).toMatchObject({ state: 'done', success: 6 });
    const before = associationsOf(h.sim);
    h.sim.resetCounters();

    const rows = [
      [c1.External_Contact_ID, linked[0]!.External_Deal_ID, ''], // linked: removed
      [c1.External_Contact_ID, linked[1]!.External_Deal_ID, ''], // linked: removed
      [c1.External_Contact_ID, deals[50]!.External_Deal_ID, ''], // not linked
      [c1.External_Contact_ID, 'D-NOPE-1', ''], // unknown deal: not linked either
      ['C-NOBODY', linked[0]!.External_Deal_ID, ''], // unknown contact: error
    ];
    const file = await h.writeCsv('unlink.csv', [HEADER, ...rows]);
    const record = await h.waitDone(await importWith(h, file, 'unlink'));
    expect(record).toMatchObject({ state: 'done', success: 2, skipped: 2, error: 1, rows: 5 });
    const report = await h.readReport(record.reportPath!);
    expect(report.map((l) => [l._status, l._code])).toEqual([
      ['success', 'SUCCESS'], ['success', 'SUCCESS'], ['skipped', 'NOT_LINKED'], ['skipped', 'NOT_LINKED'], ['error', 'INVALID_DATA'],
    ]);
    expect(report[0]!._zoho_id).toBe(linked[0]!.id);
    const removed = [associationKey(c1.id, linked[0]!.id, roles[0]!.id), associationKey(c1.id, linked[1]!.id, roles[0]!.id)];
    expect(associationsOf(h.sim)).toEqual(new Set([...before].filter((a) => !removed.includes(a))));
    // One DELETE for the contact's two linked pairs, by record id; no call for the pairs not linked.
    expect(h.sim.counters.byMethod.DELETE).toBe(1);
    expect(h.sim.counters.delinks).toEqual({ success: 2, error: 0 });
  });

  it('mirror adds, updates, leaves unchanged and removes over 200+ current links (pages) and 100+ removals (several DELETEs); the removed file lists each removal once', async () => {
    const { contacts, deals, roles } = records(h);
    const big = contacts[2]!;
    const small = contacts[3]!;
    const untouched = contacts[4]!;
    // big: 260 links (two pages of 200); small: 3 links; untouched: 2 links (not in the file).
    const seedRows = [
      ...deals.slice(0, 260).map((d) => [big.External_Contact_ID, d.External_Deal_ID, roles[0]!.id]),
      ...deals.slice(0, 3).map((d) => [small.External_Contact_ID, d.External_Deal_ID, roles[0]!.id]),
      ...deals.slice(0, 2).map((d) => [untouched.External_Contact_ID, d.External_Deal_ID, roles[0]!.id]),
    ];
    expect(await h.waitDone(await h.importFile(await h.writeCsv('seed.csv', [HEADER, ...seedRows])))).toMatchObject({ state: 'done', success: 265 });
    h.sim.resetCounters();

    // The file keeps big's first 130 deals (100 unchanged, 30 with another role), adds 10; drops 130.
    // small: keeps 1 unchanged, adds 1; drops 2.
    const rows = [
      ...deals.slice(0, 100).map((d) => [big.External_Contact_ID, d.External_Deal_ID, roles[0]!.id]),
      ...deals.slice(100, 130).map((d) => [big.External_Contact_ID, d.External_Deal_ID, roles[1]!.id]),
      ...deals.slice(300, 310).map((d) => [big.External_Contact_ID, d.External_Deal_ID, roles[2]!.id]),
      [small.External_Contact_ID, deals[0]!.External_Deal_ID, roles[0]!.id],
      [small.External_Contact_ID, deals[400]!.External_Deal_ID, ''],
    ];
    const file = await h.writeCsv('mirror.csv', [HEADER, ...rows]);
    const record = await h.waitDone(await importWith(h, file, 'mirror', true));
    expect(record).toMatchObject({ state: 'done', rows: rows.length, success: 41, skipped: 101, error: 0, plannedRemovals: 132, removalsSuccess: 132 });
    expect(record.removalsError ?? 0).toBe(0);

    const report = await h.readReport(record.reportPath!);
    const messages = report.map((l) => `${l._status}/${l._code}/${l._message}`);
    expect(messages.slice(0, 100).every((m) => m.startsWith('skipped/UNCHANGED/'))).toBe(true);
    expect(new Set(messages.slice(100, 130))).toEqual(new Set(['success/SUCCESS/relation updated']));
    expect(new Set(messages.slice(130, 140))).toEqual(new Set(['success/SUCCESS/relation added']));
    expect(messages.slice(140)).toEqual(['skipped/UNCHANGED/already linked with the same values: nothing sent', 'success/SUCCESS/relation added']);

    // Zoho now holds exactly the file's links for big and small, and untouched keeps its own.
    const want = (c: { id: string }, pairs: Array<[string, string | null]>) => new Set(pairs.map(([d, r]) => associationKey(c.id, d, r)));
    expect(linksOf(h, big.id)).toEqual(want(big, [
      ...deals.slice(0, 100).map((d): [string, string] => [d.id, roles[0]!.id]),
      ...deals.slice(100, 130).map((d): [string, string] => [d.id, roles[1]!.id]),
      ...deals.slice(300, 310).map((d): [string, string] => [d.id, roles[2]!.id]),
    ]));
    expect(linksOf(h, small.id)).toEqual(want(small, [[deals[0]!.id, roles[0]!.id], [deals[400]!.id, null]]));
    expect(linksOf(h, untouched.id).size).toBe(2);

    // Reads: big 2 pages, small 1. PUTs: big 40 entries (1 call), small 1. DELETEs: big 130 (2 calls), small 2 (1).
    expect(h.sim.counters.byMethod).toMatchObject({ GET: 3, PUT: 2, DELETE: 3 });
    const removedLines = await h.readReport(reportPaths(record.reportPath!).removed);
    expect(removedLines).toHaveLength(132);
    expect(new Set(removedLines.map((l) => `${l.contact_ext_id}|${l.deal_ext_id}`)).size).toBe(132);
    expect(removedLines.every((l) => l._status === 'success' && l._code === 'SUCCESS' && l._message === 'relation removed')).toBe(true);
    const bigRemoved = removedLines.filter((l) => l.contact_ext_id === big.External_Contact_ID);
    expect(new Set(bigRemoved.map((l) => l._zoho_id))).toEqual(new Set(deals.slice(130, 260).map((d) => d.id)));
    const summary = JSON.parse(await readFile(reportPaths(record.reportPath!).summary, 'utf8'));
    expect(summary).toMatchObject({ mode: 'mirror', removals: { removals: 132, success: 132, error: 0, skipped: 0 } });
  });

  it('the removal guard stops a mirror that would remove too much before any call that writes, and --allow-removals lets the same file through', async () => {
    const { contacts, deals, roles } = records(h);
    const c = contacts[5]!;
    const seed = await h.writeCsv('seed.csv', [HEADER, ...deals.slice(0, 10).map((d) => [c.External_Contact_ID, d.External_Deal_ID, roles[0]!.id])]);
    expect(await h.waitDone(await h.importFile(seed))).toMatchObject({ success: 10 });
    const before = associationsOf(h.sim);
    h.sim.resetCounters();
    // A "truncated export": 3 of the 10 links, and one new: 7 removals of 10 (70% > 20%).
    const file = await h.writeCsv('truncated.csv', [HEADER, ...deals.slice(0, 3).map((d) => [c.External_Contact_ID, d.External_Deal_ID, roles[0]!.id]), [c.External_Contact_ID, deals[20]!.External_Deal_ID, '']]);
    const stopped = await h.waitDone(await importWith(h, file, 'mirror'));
    expect(stopped.state).toBe('failed');
    expect(stopped.failedReason).toMatch(/^mirror stopped before its first DELETE: it would remove 7 of the 10 current links \(70%\) .*RELSYNC_MIRROR_MAX_REMOVE_RATIO 0\.2.*--allow-removals$/);
    expect(h.sim.counters.byMethod.DELETE ?? 0).toBe(0);
    expect(h.sim.counters.byMethod.PUT ?? 0).toBe(0);
    expect(associationsOf(h.sim)).toEqual(before);

    const allowed = await h.waitDone(await importWith(h, file, 'mirror', true));
    expect(allowed).toMatchObject({ state: 'done', success: 1, skipped: 3, removalsSuccess: 7 });
    expect(linksOf(h, c.id).size).toBe(4);
  });

  it('the dry-run preview reads Zoho without writing, and its counts are what the real run then does', async () => {
    const { contacts, deals, roles } = records(h);
    const [a, b] = [contacts[6]!, contacts[7]!];
    const seedRows = [
      ...deals.slice(0, 12).map((d) => [a.External_Contact_ID, d.External_Deal_ID, roles[0]!.id]),
      ...deals.slice(0, 4).map((d) => [b.External_Contact_ID, d.External_Deal_ID, roles[0]!.id]),
    ];
    expect(await h.waitDone(await h.importFile(await h.writeCsv('seed.csv', [HEADER, ...seedRows])))).toMatchObject({ success: 16 });
    h.sim.resetCounters();
    const rows = [
      ...deals.slice(0, 8).map((d) => [a.External_Contact_ID, d.External_Deal_ID, roles[0]!.id]), // 8 unchanged
      ...deals.slice(8, 10).map((d) => [a.External_Contact_ID, d.External_Deal_ID, roles[1]!.id]), // 2 updated; 2 removed
      ...deals.slice(20, 23).map((d) => [a.External_Contact_ID, d.External_Deal_ID, '']), // 3 added
      ...deals.slice(0, 4).map((d) => [b.External_Contact_ID, d.External_Deal_ID, roles[2]!.id]), // 4 updated
      ['C-NOBODY', deals[0]!.External_Deal_ID, ''], // unknown base record
    ];
    const file = await h.writeCsv('preview.csv', [HEADER, ...rows]);
    const io = captureIO(h.dir);
    const code = await runDryRun(io, h.config, file, { profile: 'contacts-deals', mode: 'mirror', report: 'preview.report.csv' });
    expect(io.err()).toBe('');
    expect(code).toBe(2); // the unknown contact's row is an error
    const out = io.out();
    const shown = (label: string) => Number(new RegExp(`  ${label}:\\s+(\\d+)`).exec(out)?.[1]);
    const preview = { add: shown('links to add'), update: shown('links to update'), unchanged: shown('unchanged \\(skipped\\)'), remove: shown('links to remove') };
    expect(preview).toEqual({ add: 3, update: 6, unchanged: 8, remove: 2 });
    expect(h.sim.counters.byMethod).toEqual({ GET: 3 }); // a, b and the unknown contact: reads only
    const previewRemoved = await h.readReport(reportPaths(join(h.dir, 'preview.report.csv')).removed);
    expect(previewRemoved.map((l) => l.deal_ext_id)).toEqual([deals[10]!.External_Deal_ID, deals[11]!.External_Deal_ID]);

    const record = await h.waitDone(await importWith(h, file, 'mirror', true));
    const report = await h.readReport(record.reportPath!);
    const did = (message: string) => report.filter((l) => l._message === message).length;
    expect({ add: did('relation added'), update: did('relation updated'), unchanged: report.filter((l) => l._code === 'UNCHANGED').length, remove: record.removalsSuccess })
      .toEqual(preview);
    expect(h.sim.counters.byMethod).toMatchObject({ PUT: 2, DELETE: 1 });
  });

  it('undo removes exactly the links an import added; the pairs it found already linked stay, and the two imports name each other', async () => {
    const { contacts, deals, roles } = records(h);
    const c = contacts[8]!;
    const existing = deals.slice(0, 3);
    const seed = await h.writeCsv('seed.csv', [HEADER, ...existing.map((d) => [c.External_Contact_ID, d.External_Deal_ID, roles[0]!.id])]);
    expect(await h.waitDone(await h.importFile(seed))).toMatchObject({ success: 3 });
    const before = associationsOf(h.sim);

    // Two of the existing pairs (answered relation updated) and four new ones (relation added).
    const fresh = deals.slice(30, 34);
    const file = await h.writeCsv('nightly.csv', [HEADER, ...[...existing.slice(0, 2), ...fresh].map((d) => [c.External_Contact_ID, d.External_Deal_ID, roles[1]!.id])]);
    const original = await h.waitDone(await h.importFile(file));
    expect(original).toMatchObject({ state: 'done', success: 6 });
    expect((await h.readReport(original.reportPath!)).map((l) => l._message)).toEqual([
      'relation updated', 'relation updated', 'relation added', 'relation added', 'relation added', 'relation added',
    ]);
    h.sim.resetCounters();

    const undo = await undoImport(registrationFor(h.config, h.runtime), original.id, h.dir);
    expect(undo).toMatchObject({ added: 4, kept: 2 });
    const undone = await h.waitDone(undo.importId);
    expect(undone).toMatchObject({ state: 'done', rows: 4, success: 4, error: 0, skipped: 0, undoOf: original.id, mode: 'unlink', origin: 'undo' });
    const report = await h.readReport(undone.reportPath!);
    expect(report.map((l) => [l.deal_ext_id, l._status, l._message, l._zoho_id])).toEqual(fresh.map((d) => [d.External_Deal_ID, 'success', `relation removed: added by ${original.id}, undone`, d.id]));
    // The links it found (the seed's three, two with the role it set) stay; the four it added are gone.
    const now = associationsOf(h.sim);
    expect([...now].filter((a) => a.startsWith(`${c.id}|`)).sort()).toEqual([
      associationKey(c.id, existing[0]!.id, roles[1]!.id), associationKey(c.id, existing[1]!.id, roles[1]!.id), associationKey(c.id, existing[2]!.id, roles[0]!.id),
    ].sort());
    expect([...now].filter((a) => !a.startsWith(`${c.id}|`))).toEqual([...before].filter((a) => !a.startsWith(`${c.id}|`)));
    expect(h.sim.counters.byMethod).toMatchObject({ GET: 1, DELETE: 1 });
    expect(h.sim.counters.byMethod.PUT ?? 0).toBe(0);

    const after = await h.runtime.ledger.requireImport(original.id);
    expect(after.undoneBy).toBe(undone.id);
    expect(statusText(after)).toContain(`undone by ${undone.id}`);
    expect(statusText(undone)).toContain(`undo of  ${original.id}`);
  });

  it('a removal whose answer was lost, then refused 429, is re-sent until answered and ends success exactly once', async () => {
    // The scripted faults go to calls in arrival order: one call at a time, so the mirror's PUT comes
    // before its DELETE (an import's last calls are one to a job, and could otherwise run side by side).
    h = closeAfter(await startHarness({ env: { ZOHO_CONCURRENCY: '1' } }));
    const { contacts, deals, roles } = records(h);
    const c = contacts[9]!;
    const seed = await h.writeCsv('seed.csv', [HEADER, ...deals.slice(0, 5).map((d) => [c.External_Contact_ID, d.External_Deal_ID, roles[0]!.id])]);
    expect(await h.waitDone(await h.importFile(seed))).toMatchObject({ success: 5 });
    h.sim.resetCounters();
    // GET answered, PUT answered, then the DELETE: applied but its answer lost (502), then 429, then
    // applied again with the connection reset, then answered: "relation not found" for both links.
    h.sim.enqueueFaults(['ok', 'ok', 'lost-502', '429', 'lost-reset']);
    const file = await h.writeCsv('mirror.csv', [HEADER, ...deals.slice(0, 3).map((d) => [c.External_Contact_ID, d.External_Deal_ID, roles[1]!.id])]);
    const record = await h.waitDone(await importWith(h, file, 'mirror', true));
    expect(record).toMatchObject({ state: 'done', success: 3, error: 0, plannedRemovals: 2, removalsSuccess: 2 });
    expect(record.removalsError ?? 0).toBe(0);
    expect(record.removalsSkipped ?? 0).toBe(0);
    expect(h.sim.counters.byMethod).toMatchObject({ GET: 1, PUT: 1, DELETE: 4 });
    const removed = await h.readReport(reportPaths(record.reportPath!).removed);
    expect(removed.map((l) => [l.deal_ext_id, l._status, l._code])).toEqual(deals.slice(3, 5).map((d) => [d.External_Deal_ID, 'success', 'SUCCESS']));
    expect(linksOf(h, c.id)).toEqual(new Set(deals.slice(0, 3).map((d) => associationKey(c.id, d.id, roles[1]!.id))));
  });

  it('takes the mode from the queue payload (over the profile\'s), and refuses a mode it does not know', async () => {
    const { contacts, deals, roles } = records(h);
    const c = contacts[10]!;
    const seed = await h.writeCsv('seed.csv', [HEADER, ...deals.slice(0, 2).map((d) => [c.External_Contact_ID, d.External_Deal_ID, roles[0]!.id])]);
    expect(await h.waitDone(await h.importFile(seed))).toMatchObject({ success: 2 });
    const csv = `${HEADER.join(',')}\n${c.External_Contact_ID},${deals[0]!.External_Deal_ID},\n${c.External_Contact_ID},${deals[5]!.External_Deal_ID},\n`;
    const { summary } = await runImportJob(h, { source: { csv }, profile: 'contacts-deals', mode: 'unlink' });
    expect(summary).toMatchObject({ status: 'done', rows: 2, success: 1, skipped: 1, error: 0 });
    expect(linksOf(h, c.id)).toEqual(new Set([associationKey(c.id, deals[1]!.id, roles[0]!.id)]));
    const { reason } = await runImportJob(h, { source: { csv }, profile: 'contacts-deals', mode: 'delete' } as never);
    expect(reason).toContain("mode: expected one of link, unlink, mirror, got 'delete'");
  });

  it('a mirror stopped mid-run (cancel): its removals not sent end skipped CANCELLED, each listed once, and those links stay', async () => {
    h = closeAfter(await startHarness({ sim: { latencyMs: 150 }, env: { ZOHO_CONCURRENCY: '1' } }));
    const { contacts, deals, roles } = records(h);
    const bases = contacts.slice(11, 17);
    const seed = bases.flatMap((c, i) => deals.slice(i * 4, i * 4 + 4).map((d) => [c.External_Contact_ID, d.External_Deal_ID, roles[0]!.id]));
    expect(await h.waitDone(await h.importFile(await h.writeCsv('seed.csv', [HEADER, ...seed])))).toMatchObject({ success: 24 });
    h.sim.resetCounters();
    // Each contact keeps 3 of its 4 links: 6 removals, one DELETE per contact, one call at a time.
    const file = await h.writeCsv('mirror.csv', [HEADER, ...bases.flatMap((c, i) => deals.slice(i * 4, i * 4 + 3).map((d) => [c.External_Contact_ID, d.External_Deal_ID, roles[0]!.id]))]);
    const id = await importWith(h, file, 'mirror', true);
    await eventually('a first removal', async () => ((await h.runtime.ledger.getImport(id))?.removalsSuccess ?? 0) >= 1);
    await h.runtime.ledger.stopImport(id, 'CANCELLED', 'cancelled by the test');
    const record = await h.waitDone(id);
    expect(record).toMatchObject({ state: 'done', rows: 18, skipped: 18, plannedRemovals: 6 });
    const removed = await h.readReport(reportPaths(record.reportPath!).removed);
    expect(removed).toHaveLength(6);
    const done = removed.filter((l) => l._status === 'success');
    const cancelled = removed.filter((l) => l._code === 'CANCELLED');
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(cancelled.length).toBeGreaterThanOrEqual(1);
    expect(done.length + cancelled.length).toBe(6);
    expect(cancelled.every((l) => l._status === 'skipped' && l._message === 'cancelled by the test')).toBe(true);
    expect((record.removalsSuccess ?? 0) + (record.removalsSkipped ?? 0)).toBe(6);
    expect(h.sim.counters.delinks.success).toBe(done.length);
    for (const line of cancelled) {
      const c = bases.find((b) => b.External_Contact_ID === line.contact_ext_id)!;
      expect(h.sim.associations().some((a) => a.contactId === c.id && a.dealId === line._zoho_id)).toBe(true);
    }
  });

  it('reads no links while the sync queue is paused for every worker (a 429 elsewhere), then runs', async () => {
    const { contacts, deals, roles } = records(h);
    const c = contacts[18]!;
    const seed = await h.writeCsv('seed.csv', [HEADER, [c.External_Contact_ID, deals[0]!.External_Deal_ID, roles[0]!.id]]);
    expect(await h.waitDone(await h.importFile(seed))).toMatchObject({ success: 1 });
    h.sim.resetCounters();
    const pausedFor = () => h.runtime.queues.sync.getRateLimitTtl(100_000);
    await h.runtime.queues.sync.rateLimit(1_500);
    const id = await importWith(h, await h.writeCsv('unlink.csv', [HEADER, [c.External_Contact_ID, deals[0]!.External_Deal_ID, '']]), 'unlink');
    const readsWhilePaused: number[] = [];
    await eventually('the pause lapses', async () => {
      if ((await pausedFor()) <= 100) return true;
      readsWhilePaused.push(h.sim.counters.byMethod.GET ?? 0);
      return false;
    });
    expect(readsWhilePaused.length).toBeGreaterThan(0);
    expect(new Set(readsWhilePaused)).toEqual(new Set([0]));
    expect(await h.waitDone(id)).toMatchObject({ state: 'done', success: 1 });
    expect(h.sim.counters.byMethod).toMatchObject({ GET: 1, DELETE: 1 });
  });
});
