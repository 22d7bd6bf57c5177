/**
 * The import guard end to end (src/usecases/import-guard.ts): real Redis, the simulator over HTTP, the
 * real worker runtime. The oracle is the simulator's own call counter and the report: how many calls
 * Zoho saw, and that every row not sent ends skipped / ABORTED with the reason.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reportPaths } from '../../src/report/report-writer.js';
import { FAIL_FAST_CALLS } from '../../src/usecases/import-guard.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { runImportJob } from '../helpers/import-jobs.js';

const CONCURRENCY = 4;

describe('the import guard', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('stops a 100,000-row import to a related list Zoho does not know after a handful of calls; every other row is ABORTED', async () => {
    h = await startHarness({ env: { ZOHO_CONCURRENCY: String(CONCURRENCY) } });
    const profile = join(h.dir, 'wrong-list.json');
    await writeFile(profile, JSON.stringify({
      module: 'Contacts', relatedList: 'Dealz',
      base: { column: 'contact_ext_id', externalField: 'External_Contact_ID' },
      related: { column: 'deal_ext_id', externalField: 'External_Deal_ID', module: 'Deals' },
    }));
    // 1,000 contacts with 100 deals each: 1,000 planned calls of 100 entries.
    const lines = ['contact_ext_id,deal_ext_id'];
    for (let c = 0; c < 1_000; c += 1) for (let d = 0; d < 100; d += 1) lines.push(`C-${c},D-${c}-${d}`);
    const file = join(h.dir, 'big.csv');
    await writeFile(file, `${lines.join('\n')}\n`);

    const record = await h.waitDone(await h.importFile(file, profile));

    // At most the calls that found the import not yet stopped: the run that stopped it and those in flight.
    expect(h.sim.counters.calls).toBeGreaterThanOrEqual(FAIL_FAST_CALLS);
    expect(h.sim.counters.calls).toBeLessThanOrEqual(FAIL_FAST_CALLS + CONCURRENCY);
    expect(record).toMatchObject({ state: 'done', rows: 100_000, plannedCalls: 1_000, calls: h.sim.counters.calls, stopCode: 'ABORTED' });
    expect(record.stopReason).toMatch(/^stopped after \d+ calls in a row were answered INVALID_DATA \(The relation name given seems to be invalid\): every call of this import would get it; check the profile's module, related list and external fields with 'relsync check'$/);
    expect(record.error).toBe(h.sim.counters.calls * 100);
    expect(record.skipped).toBe(100_000 - record.error);

    const report = await h.readReport(record.reportPath!);
    expect(report).toHaveLength(100_000);
    const byCode = new Map<string, number>();
    for (const line of report) byCode.set(`${line._status}/${line._code}`, (byCode.get(`${line._status}/${line._code}`) ?? 0) + 1);
    expect(Object.fromEntries(byCode)).toEqual({ 'error/INVALID_DATA': record.error, 'skipped/ABORTED': record.skipped });
    expect(report.find((line) => line._code === 'ABORTED')!._message).toBe(record.stopReason);
    const summary = JSON.parse(await readFile(reportPaths(record.reportPath!).summary, 'utf8'));
    expect(summary).toMatchObject({ rows: 100_000, error: record.error, skipped: record.skipped, byCode: { ABORTED: record.skipped } });
  });

  it('brakes an import whose rows mostly fail once RELSYNC_ABORT_MIN_ROWS rows have an answer above RELSYNC_ABORT_ERROR_RATE', async () => {
    h = await startHarness({ env: { ZOHO_CONCURRENCY: String(CONCURRENCY), RELSYNC_ABORT_ERROR_RATE: '0.5', RELSYNC_ABORT_MIN_ROWS: '200' } });
    const contacts = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID)).slice(0, 200);
    const deals = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
    // 200 calls of 10 rows, 8 of which name a deal Zoho does not know: 80 % of the answers are errors.
    const lines = ['contact_ext_id,deal_ext_id,contact_role'];
    contacts.forEach((c, i) => {
      for (let k = 0; k < 10; k += 1) lines.push(`${c.External_Contact_ID},${k < 2 ? deals[(i * 2 + k) % deals.length]!.External_Deal_ID : `D-NOPE-${i}-${k}`},`);
    });
    const file = join(h.dir, 'mostly-unknown.csv');
    await writeFile(file, `${lines.join('\n')}\n`);

    const record = await h.waitDone(await h.importFile(file));

    const answered = record.success + record.error;
    expect(answered).toBe(h.sim.counters.calls * 10);
    // It acts at the first tally of 200 or more answered rows; calls in flight then still get answers.
    expect(answered).toBeGreaterThanOrEqual(200);
    expect(answered).toBeLessThanOrEqual(200 + CONCURRENCY * 10);
    expect(record).toMatchObject({ state: 'done', rows: 2_000, skipped: 2_000 - answered, stopCode: 'ABORTED' });
    expect(record.stopReason).toMatch(/^stopped by the error-rate brake: \d+ of \d+ rows answered by Zoho are errors \(80%\), above RELSYNC_ABORT_ERROR_RATE 0\.5; see the report's errors$/);
    const report = await h.readReport(record.reportPath!);
    expect(report.filter((line) => line._status === 'skipped').every((line) => line._code === 'ABORTED' && line._message === record.stopReason)).toBe(true);
  });

  it('lets the same file through without a brake, and a profile may turn the brake on for its own imports', async () => {
    h = await startHarness({ env: { ZOHO_CONCURRENCY: String(CONCURRENCY) } });
    const contact = h.sim.dataset.contacts.find((c) => c.External_Contact_ID === 'C-0001')!;
    const lines = ['contact_ext_id,deal_ext_id,contact_role', ...Array.from({ length: 30 }, (_, i) => `${contact.External_Contact_ID},D-NOPE-${i},`)];
    const file = join(h.dir, 'unknown.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    // One base record: one call of 30 entries, all INVALID_DATA; without a brake the import runs to its end.
    const plain = await h.waitDone(await h.importFile(file));
    expect(plain).toMatchObject({ state: 'done', error: 30, skipped: 0 });
    expect(plain.stopCode).toBeUndefined();

    const braked = join(h.dir, 'braked.json');
    await writeFile(braked, JSON.stringify({
      module: 'Contacts', relatedList: 'Deals',
      base: { column: 'contact_ext_id', externalField: 'External_Contact_ID' },
      related: { column: 'deal_ext_id', externalField: 'External_Deal_ID', module: 'Deals' },
      fields: { Contact_Role: 'contact_role' },
      abort: { errorRate: 0.1, minRows: 5 },
    }));
    const split = join(h.dir, 'split.csv');
    const contacts = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID)).slice(0, 40);
    await writeFile(split, `${['contact_ext_id,deal_ext_id,contact_role', ...contacts.map((c, i) => `${c.External_Contact_ID},D-NOPE-${i},`)].join('\n')}\n`);
    const record = await h.waitDone(await h.importFile(split, braked));
    expect(record).toMatchObject({ state: 'done', stopCode: 'ABORTED' });
    expect(record.stopReason).toContain("above the import's abort.errorRate 0.1");
    expect(record.skipped).toBeGreaterThan(0);
  });

  it("takes a queue payload's abort over the worker's settings, and gives the stopped import's summary back", async () => {
    h = await startHarness({ env: { ZOHO_CONCURRENCY: '1', RELSYNC_ABORT_ERROR_RATE: '0.9', RELSYNC_ABORT_MIN_ROWS: '1000' } });
    const contacts = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID)).slice(0, 20);
    const file = join(h.dir, 'payload.csv');
    await writeFile(file, `${['contact_ext_id,deal_ext_id,contact_role', ...contacts.map((c, i) => `${c.External_Contact_ID},D-NOPE-${i},`)].join('\n')}\n`);
    const { summary, record } = await runImportJob(h, { source: { path: 'payload.csv' }, profile: 'contacts-deals', abort: { errorRate: 0.5, minRows: 4 } });
    // One call at a time, one row each: the fourth answer tips it.
    expect(summary).toMatchObject({ status: 'done', rows: 20, error: 4, skipped: 16 });
    expect(record).toMatchObject({ stopCode: 'ABORTED', calls: 4 });
    expect(record!.stopReason).toContain("above the import's abort.errorRate 0.5");
  });
});
