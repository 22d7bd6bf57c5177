/**
 * Outcomes stay on the rows they belong to when the input changes after it was imported: the report,
 * `relsync report` and `retry` read the import's own copy of the file, never the file as it is now.
 * The simulator's links and counters are the oracle of what was sent.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/cleanup.js';
import { registrationFor } from '../../src/app/queues.js';
import { runReport } from '../../src/cli/commands/report-command.js';
import { retryImport } from '../../src/usecases/retry-import.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { startHarness, startProcessHarness, type Harness, type ProcessHarness } from '../helpers/harness.js';
import { associationKey, associationsOf } from '../helpers/pairs.js';
import { captureIO } from '../helpers/cli-io.js';

const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role'];

function goodRows(h: Harness | ProcessHarness, from: number, count: number): string[][] {
  const contacts = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID));
  const deals = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
  return Array.from({ length: count }, (_, i) => [contacts[from + i]!.External_Contact_ID, deals[from + i]!.External_Deal_ID, '']);
}

describe('an input edited after it was imported', () => {
  const closeAfter = useCleanup();

  it('keeps report, relsync report and retry on the rows as imported: only the failed pair is sent again', async () => {
    const harness = closeAfter(await startHarness());
    const [a, b, c] = goodRows(harness, 0, 3) as [string[], string[], string[]];
    const bad = [a[0]!, 'D-NOPE-1', ''];
    const file = await harness.writeCsv('deals.csv', [HEADER, a, bad, b]);
    const first = await harness.importFile(file);
    const done = await harness.waitDone(first);
    expect(done).toMatchObject({ state: 'done', success: 2, error: 1 });

    // The user fixes the bad row in Excel and inserts a line above it: row numbers move.
    await writeFile(file, [HEADER, c, a, [a[0]!, b[1]!, ''], b].map((r) => r.join(',')).join('\n') + '\n');
    const io = captureIO(harness.dir);
    expect(await runReport(io, harness.config, first, {})).toBe(2);
    const report = await harness.readReport(done.reportPath!);
    expect(report.map((r) => [r.contact_ext_id, r.deal_ext_id, r._row, r._status, r._code])).toEqual([
      [a[0], a[1], '1', 'success', 'SUCCESS'],
      [bad[0], 'D-NOPE-1', '2', 'error', 'INVALID_DATA'],
      [b[0], b[1], '3', 'success', 'SUCCESS'],
    ]);

    const sentBefore = harness.sim.counters.entries;
    const retry = await retryImport(registrationFor(harness.config, harness.runtime), first, harness.dir);
    expect(retry.rows).toBe(1);
    const retried = await harness.waitDone(retry.importId);
    const sentAfter = harness.sim.counters.entries;
    // Exactly the failed pair went out again: not the inserted row, not the rows that had succeeded.
    expect(sentAfter.success + sentAfter.error - sentBefore.success - sentBefore.error).toBe(1);
    expect(retried).toMatchObject({ rows: 1, error: 1 });
    const retryReport = await harness.readReport(retried.reportPath!);
    expect(retryReport.map((r) => [r.contact_ext_id, r.deal_ext_id, r._code])).toEqual([[bad[0], 'D-NOPE-1', 'INVALID_DATA']]);
  });

  it('imports the rows as registered when the file is rewritten before a worker reads it', async () => {
    const harness = closeAfter(await startProcessHarness());
    const original = goodRows(harness, 10, 4);
    const file = await harness.writeCsv('nightly.csv', [HEADER, ...original]);
    const { importId } = await registerImport(registrationFor(harness.config, harness.runtime), { file, profile: 'contacts-deals', origin: 'cli', cwd: harness.dir });
    // The exporter rewrites the file with other pairs before any worker has started.
    const other = goodRows(harness, 20, 6);
    await writeFile(file, [HEADER, ...other].map((r) => r.join(',')).join('\n') + '\n');
    await harness.spawnWorkers(1);
    const done = await harness.waitDone(importId);
    expect(done).toMatchObject({ state: 'done', rows: 4, success: 4 });
    const report = await harness.readReport(done.reportPath!);
    expect(report.map((r) => [r.contact_ext_id, r.deal_ext_id])).toEqual(original.map((r) => [r[0], r[1]]));
    const byExt = (ext: string, list: Array<{ id: string; External_Contact_ID?: string; External_Deal_ID?: string }>, key: 'External_Contact_ID' | 'External_Deal_ID') => list.find((x) => x[key] === ext)!.id;
    const expected = new Set(original.map((r) => associationKey(byExt(r[0]!, harness.sim.dataset.contacts, 'External_Contact_ID'), byExt(r[1]!, harness.sim.dataset.deals, 'External_Deal_ID'), null)));
    expect(associationsOf(harness.sim)).toEqual(expected);
    expect(await readFile(file, 'utf8')).toContain(other[0]![0]);
  });
});
