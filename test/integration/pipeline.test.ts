/**
 * The core pipeline end to end: real Redis, the simulator over loopback HTTP, the real worker runtime.
 * The oracle is built with the CSV: every row's expected outcome, and the associations Zoho must hold.
 */
import { readFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { callsPerJob, syncCallsJobId } from '../../jobs/sync-calls.job.js';
import { JobName, QueueName } from '../../jobs/queues.js';
import { reportPaths } from '../../src/report/report-writer.js';
import { useCleanup } from '../helpers/cleanup.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { associationKey, associationsOf, writePairs } from '../helpers/pairs.js';
import { openQueueEvents } from '../helpers/queue-events.js';

interface Expect { status: 'success' | 'error' | 'skipped'; code: string; zohoId?: string }
interface Planned { cells: string[]; expect: Expect; association?: string }

const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role', 'note'];

function plan(h: Harness): Planned[] {
  const contacts = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID));
  const deals = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
  const roles = h.sim.dataset.contactRoles;
  const out: Planned[] = [];
  const ok = (c: (typeof contacts)[number], d: (typeof deals)[number], role: string, note: string): Planned =>
    ({ cells: [c.External_Contact_ID, d.External_Deal_ID, role, note], expect: { status: 'success', code: 'SUCCESS', zohoId: d.id }, association: associationKey(c.id, d.id, role || null) });
  const notes = ['plain', 'comma, inside', 'quote "inside"', 'new\nline', ' padded ', 'ünïcødé ✓'];
  for (let i = 0; i < 880; i += 1) out.push(ok(contacts[Math.floor(i / 5)]!, deals[(i * 3) % deals.length]!, roles[i % roles.length]!.id, notes[i % notes.length]!));
  // Duplicate pairs: the earlier row is skipped, the last is sent (with its own role).
  for (let i = 0; i < 20; i += 1) {
    const c = contacts[200 + i]!;
    const d = deals[i]!;
    out.push({ cells: [c.External_Contact_ID, d.External_Deal_ID, roles[0]!.id, 'first of a pair'], expect: { status: 'skipped', code: 'DUPLICATE_PAIR' } });
    out.push(ok(c, d, roles[1]!.id, 'last of a pair'));
  }
  for (let i = 0; i < 10; i += 1) {
    const c = contacts[230 + i]!;
    out.push({ cells: [c.External_Contact_ID, '', roles[0]!.id, 'no deal'], expect: { status: 'error', code: 'MISSING_VALUE' } });
    out.push({ cells: ['  ', deals[i]!.External_Deal_ID, roles[0]!.id, 'no contact'], expect: { status: 'error', code: 'MISSING_VALUE' } });
    out.push({ cells: [c.External_Contact_ID, deals[50 + i]!.External_Deal_ID, roles[0]!.id, 'extra', 'surplus'], expect: { status: 'error', code: 'MALFORMED_ROW' } });
    out.push({ cells: [c.External_Contact_ID, `D-NOPE-${i}`, roles[0]!.id, 'unknown deal'], expect: { status: 'error', code: 'INVALID_DATA' } });
    out.push({ cells: [c.External_Contact_ID, deals[60 + i]!.External_Deal_ID, '123', 'bad role id'], expect: { status: 'error', code: 'INVALID_DATA' } });
    out.push(ok(c, deals[70 + i]!, '', 'no role: sends no Contact_Role'));
  }
  for (let i = 0; i < 5; i += 1) {
    out.push({ cells: [contacts[240 + i]!.External_Contact_ID, deals[80 + i]!.External_Deal_ID], expect: { status: 'error', code: 'MALFORMED_ROW' } });
    for (let k = 0; k < 2; k += 1) out.push({ cells: [`C-NOBODY-${i}`, deals[90 + k]!.External_Deal_ID, roles[0]!.id, 'unknown contact'], expect: { status: 'error', code: 'INVALID_DATA' } });
  }
  const oddContacts = h.sim.dataset.contacts.filter((c) => !/^C-\d+$/.test(c.External_Contact_ID) && c.External_Contact_ID !== 'extcontact3');
  const oddDeals = h.sim.dataset.deals.filter((d) => !/^D-\d+$/.test(d.External_Deal_ID) && d.External_Deal_ID !== 'extdeal3');
  oddContacts.forEach((c, i) => out.push(ok(c, oddDeals[i % oddDeals.length]!, roles[2]!.id, 'odd ids')));
  return out;
}

describe('import pipeline', () => {
  const closeAfter = useCleanup();
  let h: Harness;
  beforeEach(async () => {
    h = closeAfter(await startHarness());
  });

  it('gives every row of a mixed 1,000-row file exactly its expected outcome, in input order, and makes exactly the expected associations', async () => {
    const planned = plan(h);
    expect(planned.length).toBeGreaterThan(1_000);
    const file = await h.writeCsv('mixed.csv', [HEADER, ...planned.map((p) => p.cells)]);
    const record = await h.waitDone(await h.importFile(file));

    expect(record.state).toBe('done');
    const report = await h.readReport(record.reportPath!);
    expect(report).toHaveLength(planned.length);
    report.forEach((line, i) => {
      const p = planned[i]!;
      expect(line._row).toBe(String(i + 1));
      expect([line.contact_ext_id, line.deal_ext_id, line.contact_role, line.note]).toEqual([...p.cells.slice(0, 4), '', '', '', ''].slice(0, 4));
      expect({ status: line._status, code: line._code, ...(line._zoho_id ? { zohoId: line._zoho_id } : {}) }).toEqual(p.expect);
      expect(line._message?.length).toBeGreaterThan(0);
    });
    const expected = new Set(planned.flatMap((p) => (p.association ? [p.association] : [])));
    expect(associationsOf(h.sim)).toEqual(expected);

    const count = (s: string) => planned.filter((p) => p.expect.status === s).length;
    expect({ success: record.success, error: record.error, skipped: record.skipped, rows: record.rows }).toEqual({ success: count('success'), error: count('error'), skipped: count('skipped'), rows: planned.length });
    const errors = await h.readReport(reportPaths(record.reportPath!).errors);
    expect(errors.map((l) => Number(l._row))).toEqual(planned.flatMap((p, i) => (p.expect.status === 'error' ? [i + 1] : [])));
    const summary = JSON.parse(await readFile(reportPaths(record.reportPath!).summary, 'utf8'));
    expect(summary).toMatchObject({ rows: planned.length, success: count('success'), error: count('error'), skipped: count('skipped'), importId: record.id });
  });

  it('sends a contact with 250 deals in 3 calls of at most 100 entries', async () => {
    const contact = h.sim.dataset.contacts.find((c) => c.External_Contact_ID === 'C-0001')!;
    const deals = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID)).slice(0, 250);
    const file = await h.writeCsv('many.csv', [HEADER, ...deals.map((d) => [contact.External_Contact_ID, d.External_Deal_ID, '', ''])]);
    const record = await h.waitDone(await h.importFile(file));
    expect(record).toMatchObject({ state: 'done', success: 250, error: 0, calls: 3, plannedCalls: 3 });
    expect(h.sim.counters.calls).toBe(3);
    expect(h.sim.associations().filter((a) => a.contactId === contact.id)).toHaveLength(250);
  });

  it('does the work twice only for a new import, never through a duplicate job', async () => {
    const c = h.sim.dataset.contacts.find((x) => x.External_Contact_ID === 'C-0002')!;
    const deals = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID)).slice(0, 3);
    const file = await h.writeCsv('twice.csv', [HEADER, ...deals.map((d) => [c.External_Contact_ID, d.External_Deal_ID, '', ''])]);
    const first = await h.waitDone(await h.importFile(file));
    expect(first).toMatchObject({ state: 'done', success: 3, calls: 1 });

    // The same batch job enqueued again (a duplicate producer, a replayed ingest): no call, no second outcome.
    const batch = { importId: first.id, seq: 0, calls: [{ base: c.External_Contact_ID, entries: deals.map((d, i) => ({ row: i + 1, related: d.External_Deal_ID })) }] };
    const events = await openQueueEvents(h.config, QueueName.sync);
    const again = await h.runtime.queues.sync.add(JobName.syncCalls, batch, { jobId: `${syncCallsJobId(first.id, 0)}-replay` });
    await again.waitUntilFinished(events);
    await events.close();
    expect(await h.runtime.ledger.getImport(first.id)).toMatchObject({ success: 3, error: 0, calls: 1 });
    expect(h.sim.counters.calls).toBe(1);

    const second = await h.waitDone(await h.importFile(file));
    expect(second.id).not.toBe(first.id);
    expect(second).toMatchObject({ state: 'done', success: 3, calls: 1 });
    expect(h.sim.counters.calls).toBe(2);
    const report = await h.readReport(second.reportPath!);
    expect(report.map((l) => l._message)).toEqual(['relation updated', 'relation updated', 'relation updated']);
  });

  it('packs the calls of a large import into jobs, and a failed call is retried alone: calls done before it are not sent again', async () => {
    const file = await writePairs(h.sim, h.dir, 600, 1); // 600 calls: packed 2 to a job
    expect(callsPerJob(600)).toBe(2);
    h.sim.enqueueFaults(['500', '503', '500', '502', '500']);
    const record = await h.waitDone(await h.importFile(file.path));
    expect(record).toMatchObject({ state: 'done', success: 600, error: 0, plannedCalls: 600, retries: 5 });
    expect(h.sim.counters.calls).toBe(605); // each failure costs exactly one more call
    expect(associationsOf(h.sim)).toEqual(file.associations);
  });
});

