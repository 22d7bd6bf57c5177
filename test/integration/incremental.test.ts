/**
 * Incremental sync (docs/architecture.md#incremental-sync): the second import of an export sends only
 * what changed since Zoho confirmed it. The oracle is the simulator: its call and entry counters say
 * what was sent, its associations what Zoho holds.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { registrationFor } from '../../src/app/queues.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { useCleanup } from '../helpers/cleanup.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { associationKey, associationsOf } from '../helpers/pairs.js';

const DAY_MS = 86_400_000;
const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role'];

/** 30 contacts with 3 deals each: 90 pairs over 30 base records (one call each). */
function export90(h: Harness): string[][] {
  const contacts = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID)).slice(0, 31);
  const deals = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
  const roles = h.sim.dataset.contactRoles;
  const rows: string[][] = [];
  for (let i = 0; i < 30; i += 1) {
    for (let k = 0; k < 3; k += 1) rows.push([contacts[i]!.External_Contact_ID, deals[(i * 3 + k) % deals.length]!.External_Deal_ID, roles[(i + k) % roles.length]!.id]);
  }
  return rows;
}

describe('incremental import', () => {
  const closeAfter = useCleanup();
  let h: Harness;
  let clockMs = 0;
  beforeEach(async () => {
    clockMs = 0;
    h = closeAfter(await startHarness({ stateNow: () => Date.now() + clockMs }));
  });

  const run = async (rows: string[][], incremental?: boolean, name = 'export.csv') => {
    const file = await h.writeCsv(name, [HEADER, ...rows]);
    const callsBefore = h.sim.counters.calls;
    const entriesBefore = h.sim.counters.entries.success + h.sim.counters.entries.error;
    const { importId } = await registerImport(registrationFor(h.config, h.runtime), { file, profile: 'contacts-deals', origin: 'cli', cwd: h.dir, incremental });
    const record = await h.waitDone(importId);
    expect(record.state).toBe('done');
    const report = await h.readReport(record.reportPath!);
    return {
      record, report,
      calls: h.sim.counters.calls - callsBefore,
      entries: h.sim.counters.entries.success + h.sim.counters.entries.error - entriesBefore,
      codes: report.map((line) => `${line._status}/${line._code}`),
    };
  };

  it('makes zero calls on the second import of the same file and reports every row skipped / UNCHANGED', async () => {
    const rows = export90(h);
    const first = await run(rows, true);
    expect(first.calls).toBe(30);
    expect(first.codes).toEqual(rows.map(() => 'success/SUCCESS'));
    const second = await run(rows, true);
    expect(second.calls).toBe(0);
    expect(second.record.plannedCalls).toBe(0);
    expect(second.codes).toEqual(rows.map(() => 'skipped/UNCHANGED'));
    expect(second.record).toMatchObject({ rows: 90, success: 0, error: 0, skipped: 90 });
  });

  it('sends a changed role and a new pair, and nothing else: one call per base record they belong to', async () => {
    const rows = export90(h);
    await run(rows);
    const roles = h.sim.dataset.contactRoles;
    const changed = rows.map((cells) => [...cells]);
    // Row 5: another role. A new pair for the contact of row 40 (a base record already known), one for a new contact.
    changed[4]![2] = roles.find((r) => r.id !== rows[4]![2])!.id;
    const newContact = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID))[30]!;
    const deals = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
    changed.push([rows[39]![0]!, deals[200]!.External_Deal_ID, roles[0]!.id], [newContact.External_Contact_ID, deals[201]!.External_Deal_ID, roles[0]!.id]);
    const second = await run(changed, true);
    expect(second.calls).toBe(3);
    expect(second.entries).toBe(3);
    const sent = new Set([4, 90, 91]);
    expect(second.codes).toEqual(changed.map((_, i) => (sent.has(i) ? 'success/SUCCESS' : 'skipped/UNCHANGED')));
    const contactId = (ext: string) => h.sim.dataset.contacts.find((c) => c.External_Contact_ID === ext)!.id;
    const dealId = (ext: string) => h.sim.dataset.deals.find((d) => d.External_Deal_ID === ext)!.id;
    expect(associationsOf(h.sim)).toContain(associationKey(contactId(changed[4]![0]!), dealId(changed[4]![1]!), changed[4]![2]!));
  });

  it('sends again a row that failed last time (and only it)', async () => {
    const rows = export90(h);
    rows[10]![2] = '123';
    const first = await run(rows, true);
    expect(first.codes[10]).toBe('error/INVALID_DATA');
    const second = await run(rows, true);
    expect(second.calls).toBe(1);
    expect(second.entries).toBe(1);
    expect(second.codes).toEqual(rows.map((_, i) => (i === 10 ? 'error/INVALID_DATA' : 'skipped/UNCHANGED')));
  });

  it('--full sends everything and refreshes the state, so the next incremental run of that file sends nothing', async () => {
    const rows = export90(h);
    await run(rows);
    const changed = rows.map((cells) => [...cells]);
    changed[0]![2] = h.sim.dataset.contactRoles.find((r) => r.id !== rows[0]![2])!.id;
    const full = await run(changed, false);
    expect(full.calls).toBe(30);
    expect(full.codes).toEqual(changed.map(() => 'success/SUCCESS'));
    const next = await run(changed, true);
    expect(next.calls).toBe(0);
  });

  it('sends a pair again once Zoho has not confirmed it for RELSYNC_INCREMENTAL_MAX_AGE_DAYS (7) days', async () => {
    const rows = export90(h);
    await run(rows, true);
    clockMs = 6 * DAY_MS;
    expect((await run(rows, true)).calls).toBe(0);
    clockMs = 7 * DAY_MS;
    const expired = await run(rows, true);
    expect(expired.calls).toBe(30);
    expect(expired.codes).toEqual(rows.map(() => 'success/SUCCESS'));
    // Confirmed again on day 7: unchanged until day 14.
    clockMs = 13 * DAY_MS;
    expect((await run(rows, true)).calls).toBe(0);
  });

  it('an import without --incremental sends everything, whatever the state holds', async () => {
    const rows = export90(h);
    await run(rows, true);
    expect((await run(rows)).calls).toBe(30);
  });

  it('sends again the pairs an unlink or a mirror removed: their state left with them', async () => {
    const rows = export90(h);
    await run(rows);
    const sendMode = async (mode: 'unlink' | 'mirror', name: string, subset: string[][]) => {
      const file = await h.writeCsv(name, [HEADER, ...subset]);
      const { importId } = await registerImport(registrationFor(h.config, h.runtime), { file, profile: 'contacts-deals', origin: 'cli', cwd: h.dir, mode, allowRemovals: true });
      const record = await h.waitDone(importId);
      expect(record.state).toBe('done');
      return record;
    };
    // Unlink rows 1 and 2 (base records 0 and 0) and row 50 (base 16).
    const unlinked = await sendMode('unlink', 'unlink.csv', [rows[0]!, rows[1]!, rows[49]!]);
    expect(unlinked).toMatchObject({ success: 3 });
    // A mirror of base 20 (rows 60-62) naming only two of its three pairs: row 63's pair is removed.
    const mirrored = await sendMode('mirror', 'mirror.csv', [rows[60]!, rows[61]!]);
    expect(mirrored).toMatchObject({ removalsSuccess: 1 });
    const keyOf = ([contact, deal, role]: string[]) => associationKey(
      h.sim.dataset.contacts.find((c) => c.External_Contact_ID === contact)!.id,
      h.sim.dataset.deals.find((d) => d.External_Deal_ID === deal)!.id,
      role!,
    );
    expect(associationsOf(h.sim).has(keyOf(rows[62]!))).toBe(false);
    const again = await run(rows, true, 'export-again.csv');
    const gone = new Set([0, 1, 49, 62]);
    // One call per base record holding a pair that left: bases 0, 16 and 20.
    expect(again.calls).toBe(3);
    expect(again.codes).toEqual(rows.map((_, i) => (gone.has(i) ? 'success/SUCCESS' : 'skipped/UNCHANGED')));
    const held = associationsOf(h.sim);
    expect(rows.filter((cells) => !held.has(keyOf(cells)))).toEqual([]);
  });
});

describe('incremental import after a failed send', () => {
  const closeAfter = useCleanup();

  it('forgets a pair whose send ended in error, so the next incremental run sends it again', async () => {
    const h = closeAfter(await startHarness({ env: { RELSYNC_MAX_ATTEMPTS: '1' } }));
    const rows = export90(h);
    const importRows = async (name: string, content: string[][], incremental: boolean) => {
      const file = await h.writeCsv(name, [HEADER, ...content]);
      const { importId } = await registerImport(registrationFor(h.config, h.runtime), { file, profile: 'contacts-deals', origin: 'cli', cwd: h.dir, incremental });
      const record = await h.waitDone(importId);
      return (await h.readReport(record.reportPath!)).map((line) => `${line._status}/${line._code}`);
    };
    await importRows('export.csv', rows, true);
    // The same pair, unchanged, sent again by --full: Zoho answers 500 and the only attempt is spent.
    h.sim.enqueueFaults(['500']);
    expect(await importRows('one.csv', [rows[0]!], false)).toEqual(['error/RETRIES_EXHAUSTED']);
    const callsBefore = h.sim.counters.calls;
    const next = await importRows('export.csv', rows, true);
    expect(h.sim.counters.calls - callsBefore).toBe(1);
    expect(next).toEqual(rows.map((_, i) => (i === 0 ? 'success/SUCCESS' : 'skipped/UNCHANGED')));
  });
});
