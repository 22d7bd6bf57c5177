/**
 * Every bad file of the corpus (test/fixtures/hostile) through ONE worker runtime, as another service
 * would send it (a job on the `imports` queue): each either gives every row its exact outcome in the
 * report, or fails the import with one exact line and sends nothing. The same runtime then still
 * imports a good file. The table in docs/contract.md#bad-input says the same in words.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Profile } from '../../src/profile/profile.js';
import { reportPaths } from '../../src/report/report-writer.js';
import { startHarness, useHarnessForAll, type Harness } from '../helpers/harness.js';
import { runImportJob } from '../helpers/import-jobs.js';
import { readRows } from '../helpers/reports.js';
import { dealId, ROLE_ID } from '../helpers/simulator.js';
import { CONTACTS_DEALS, stageFixture } from './hostile-helpers.js';

interface Expected { cells: string[]; status: 'success' | 'error' | 'skipped'; code: string; message: unknown; zohoId: string }

interface Case {
  file: string;
  /** What it covers, as the test's name. */
  does: string;
  profile?: Profile;
  /** The one line the import fails with; `path` is the file's absolute path, `name` how the user named it. */
  fatal?: (where: { path: string; name: string }) => string;
  /** The CLI refuses it before registering anything (the problem is in the header or the first 64 KiB). Default profile only. */
  refusedUpFront?: boolean;
  header?: string[];
  rows?: (h: Harness) => Expected[];
  /** The report's delimiter (that of the input). */
  delimiter?: string;
}

const ZOHO_SUCCESS = expect.stringMatching(/^relation (added|updated)$/);
const ok = (h: Harness, cells: string[], deal = cells[1] as string): Expected => ({ cells, status: 'success', code: 'SUCCESS', message: ZOHO_SUCCESS, zohoId: dealId(h.sim, deal) });
const error = (cells: string[], code: string, message: string): Expected => ({ cells, status: 'error', code, message, zohoId: '' });

const H3 = ['contact_ext_id', 'deal_ext_id', 'contact_role'];
const H4 = [...H3, 'note'];
const unicodeRows = (h: Harness): Expected[] => [
  ok(h, ['Ünïcødé-4', 'Ðéål-4', ROLE_ID, '“smart” quotes €5']),
  ok(h, ['C-0001', 'D-0001', '', 'plain']),
];
const NOT_UTF8_FIX = 'save it as UTF-8';

const CASES: Case[] = [
  { file: 'utf8-bom.csv', does: 'drops a UTF-8 BOM', header: H4, rows: unicodeRows },
  { file: 'utf16le-bom.csv', does: 'converts UTF-16 LE with a BOM (and CRLF) while streaming', header: H4, rows: unicodeRows },
  { file: 'utf16be-bom.csv', does: 'converts UTF-16 BE with a BOM while streaming', header: H4, rows: unicodeRows },
  {
    file: 'latin1.csv', does: 'refuses Latin-1 / Windows-1252 bytes by default, naming the line, the byte and the fix', refusedUpFront: true,
    fatal: ({ path }) => `${path}: line 3: not valid UTF-8 (looks like Latin-1 / Windows-1252: byte 0xDC would be 'Ü'); ${NOT_UTF8_FIX}, or set "csv": { "encoding": "latin1" } in the profile`,
  },
  {
    file: 'latin1.csv', does: 'converts Windows-1252 when the profile says csv.encoding "latin1"', profile: { ...CONTACTS_DEALS, csv: { encoding: 'latin1' } }, header: H4,
    rows: (h) => [ok(h, ['C-0001', 'D-0001', '', 'plain']), ok(h, ['Ünïcødé-4', 'Ðéål-4', ROLE_ID, '“smart” quotes €5'])],
  },
  { file: 'invalid-utf8.csv', does: 'refuses bytes that are no text encoding it knows', refusedUpFront: true, fatal: ({ path }) => `${path}: line 3: not valid UTF-8 (byte 0x81); ${NOT_UTF8_FIX}` },
  {
    file: 'utf16le-no-bom.csv', does: 'refuses UTF-16 without a byte-order mark', refusedUpFront: true,
    fatal: ({ path }) => `${path}: line 1: the header has NUL bytes between its characters: this looks like UTF-16 saved without a byte-order mark; save it as UTF-8 (or as UTF-16 with a BOM)`,
  },
  { file: 'utf32le-bom.csv', does: 'refuses UTF-32', refusedUpFront: true, fatal: ({ path }) => `${path}: line 1: the file is UTF-32 (by its byte-order mark), which relsync does not read; save it as UTF-8` },
  {
    file: 'semicolon.csv', does: 'detects a ; delimiter from the header and writes the report with it', header: H4, delimiter: ';',
    rows: (h) => [ok(h, ['C-0001', 'D-0001', ROLE_ID, 'Buyer, Senior']), ok(h, ['C-0002', 'D-0002', '', 'a; b'])],
  },
  {
    file: 'semicolon.csv', does: 'reads ; when the profile says csv.delimiter ";"', profile: { ...CONTACTS_DEALS, csv: { delimiter: ';' } }, header: H4, delimiter: ';',
    rows: (h) => [ok(h, ['C-0001', 'D-0001', ROLE_ID, 'Buyer, Senior']), ok(h, ['C-0002', 'D-0002', '', 'a; b'])],
  },
  {
    file: 'tab.csv', does: 'detects a tab delimiter from the header', header: H4, delimiter: '\t',
    rows: (h) => [ok(h, ['C-0001', 'D-0001', ROLE_ID, 'commas, and; semicolons']), ok(h, ['C-0002', 'D-0002', '', 'tab\tinside'])],
  },
  { file: 'empty.csv', does: 'refuses an empty file', refusedUpFront: true, fatal: ({ path }) => `${path}: the file is empty; expected a header line` },
  { file: 'only-blank-lines.csv', does: 'refuses a file of blank lines as empty', refusedUpFront: true, fatal: ({ path }) => `${path}: the file is empty; expected a header line` },
  { file: 'header-only.csv', does: 'finishes a header-only file with no rows and a report of its header', header: H3, rows: () => [] },
  {
    file: 'blank-lines.csv', does: 'skips blank lines (before the header too) without counting them as rows', header: H3,
    rows: (h) => [ok(h, ['C-0001', 'D-0001', '']), ok(h, ['C-0002', 'D-0002', ''])],
  },
  {
    file: 'delimiter-only-lines.csv', does: 'skips lines of only delimiters (Excel\'s ;;; leftovers) as blank lines: no outcome, not rows, not errors', header: H3, delimiter: ';',
    rows: (h) => [ok(h, ['C-0001', 'D-0001', '']), ok(h, ['C-0002', 'D-0002', ROLE_ID])],
  },
  { file: 'comma-only-lines.csv', does: 'skips ,,, lines before the header and between rows', header: H3, rows: (h) => [ok(h, ['C-0001', 'D-0001', ''])] },
  {
    file: 'fed-back-errors.csv', does: 'replaces the _row … _zoho_id columns of a fed-back errors file with this run\'s, not repeating them', header: H3,
    rows: (h) => [ok(h, ['C-0001', 'D-0001', '']), error(['C-0003', '', ''], 'MISSING_VALUE', 'deal_ext_id is empty')],
  },
  {
    file: 'trailing-delimiter-rows.csv', does: 'reads rows with a trailing delimiter; a non-empty surplus cell is MALFORMED_ROW', header: H3,
    rows: (h) => [
      ok(h, ['C-0001', 'D-0001', '']),
      ok(h, ['C-0002', 'D-0002', ROLE_ID]),
      error(['C-0003', 'D-0003', ''], 'MALFORMED_ROW', 'expected 3 cells, got 4; surplus cells: "surplus"'),
    ],
  },
  {
    file: 'trailing-delimiter-header.csv', does: 'reads rows without the header\'s trailing delimiter; a row lacking named cells is MALFORMED_ROW', header: [...H3, ''],
    rows: (h) => [
      ok(h, ['C-0001', 'D-0001', '', '']),
      ok(h, ['C-0002', 'D-0002', '', '']),
      error(['C-0003', '', '', ''], 'MALFORMED_ROW', 'expected 4 cells, got 1'),
    ],
  },
  {
    file: 'duplicate-needed-column.csv', does: 'refuses a needed column that appears twice', refusedUpFront: true,
    fatal: ({ name }) => `${name}: column deal_ext_id appears more than once (columns 2 and 4); keep one`,
  },
  { file: 'duplicate-other-column.csv', does: 'keeps a repeated column the profile does not use', header: [...H3, 'note', 'note'], rows: (h) => [ok(h, ['C-0001', 'D-0001', '', 'first', 'second'])] },
  { file: 'empty-header-names.csv', does: 'keeps columns with empty names', header: ['contact_ext_id', '', 'deal_ext_id', ' ', 'contact_role'], rows: (h) => [ok(h, ['C-0001', 'x', 'D-0001', 'y', ''], 'D-0001')] },
  {
    file: 'missing-columns.csv', does: 'refuses a file without the profile\'s columns, listing the columns it has', refusedUpFront: true,
    fatal: ({ name }) => `${name}: missing column(s) contact_ext_id, deal_ext_id, contact_role for profile contacts-deals; the file has: contact, deal, role`,
  },
  {
    file: 'header-case.csv', does: 'refuses columns that match only by case, with a hint naming what was found', refusedUpFront: true,
    fatal: ({ name }) =>
      `${name}: missing column(s) contact_ext_id, deal_ext_id for profile contacts-deals; the file has: Contact_Ext_ID, Deal_Ext_ID, contact_role; ` +
      "did you mean 'contact_ext_id' (found 'Contact_Ext_ID'), 'deal_ext_id' (found 'Deal_Ext_ID')? Column names must match exactly, case included",
  },
  {
    file: 'extra-columns.csv', does: 'ignores extra columns for sending and keeps them in the report', header: ['note', 'contact_ext_id', 'owner', 'deal_ext_id', 'contact_role', 'region'],
    rows: (h) => [ok(h, ['hello', 'C-0001', 'ann', 'D-0001', ROLE_ID, 'EU'], 'D-0001')],
  },
  {
    file: 'unclosed-quote-at-end.csv', does: 'imports the rows before a quote that is never closed; the rest is one MALFORMED_ROW', header: H3,
    rows: (h) => [
      ok(h, ['C-0001', 'D-0001', '']),
      ok(h, ['C-0002', 'D-0002', '']),
      error(['', '', ''], 'MALFORMED_ROW', 'a quote opened in this row (line 4) is never closed, so the rest of the file could not be read as rows'),
    ],
  },
  {
    file: 'unclosed-quote-in-header.csv', does: 'refuses a header whose quote is never closed', refusedUpFront: true,
    fatal: ({ path }) => `${path}: line 1: a quote opened in this row (line 1) is never closed, so the rest of the file could not be read as rows`,
  },
  {
    file: 'mixed-crlf-lf.csv', does: 'splits lines on CRLF, LF and CR alike, and keeps line breaks inside quotes', header: H4,
    rows: (h) => [ok(h, ['C-0001', 'D-0001', '', 'two\r\nlines']), ok(h, ['C-0002', 'D-0002', '', 'lf']), ok(h, ['C-0003', 'D-0003', '', 'lf\ninside']), ok(h, ['C-0004', 'D-0004', '', 'cr'])],
  },
  {
    file: 'too-few-cells-and-missing-values.csv', does: 'gives rows with too few cells or empty ids their own error and imports the rest', header: H3,
    rows: (h) => [
      error(['C-0001', 'D-0001', ''], 'MALFORMED_ROW', 'expected 3 cells, got 2'),
      error([' ', 'D-0002', ''], 'MISSING_VALUE', 'contact_ext_id is empty'),
      error(['C-0003', '', ''], 'MISSING_VALUE', 'deal_ext_id is empty'),
      ok(h, ['C-0004', 'D-0004', '']),
    ],
  },
  {
    file: 'stray-quote-in-cell.csv', does: 'keeps a quote inside an unquoted cell as text', header: H4,
    rows: (h) => [ok(h, ['C-0001', 'D-0001', '', '5" screen']), ok(h, ['C-0002', 'D-0002', '', 'say "hi"'])],
  },
];

describe('the hostile corpus, through one worker runtime', () => {
  const harness = useHarnessForAll(() => startHarness());

  for (const c of CASES) {
    it(`${c.file}: ${c.does}`, async () => {
      const h = harness();
      const path = await stageFixture(h, c.file);
      const profile = c.profile ? (c.profile as unknown as Record<string, unknown>) : 'contacts-deals';
      const callsBefore = h.sim.counters.calls;
      const outcome = await runImportJob(h, { source: { path: c.file }, profile });
      if (c.fatal) {
        const line = c.fatal({ path, name: c.file });
        expect(outcome.reason).toBe(line);
        expect(outcome.record).toMatchObject({ state: 'failed', failedReason: line });
        expect(h.sim.counters.calls).toBe(callsBefore); // nothing was sent
        if (c.refusedUpFront) {
          await expect(h.importFile(path)).rejects.toMatchObject({ message: c.fatal({ path, name: path }) });
        }
        return;
      }
      await expectReport(outcome.summary?.reportPath ?? '', c.header!, c.rows!(h), c.delimiter);
      const expected = c.rows!(h);
      expect(outcome.summary).toMatchObject({
        status: 'done',
        rows: expected.length,
        success: expected.filter((e) => e.status === 'success').length,
        error: expected.filter((e) => e.status === 'error').length,
      });
    });
  }

  it('latin1.csv with csv.encoding "latin1": the report and errors file are UTF-8 with a BOM, so they read back right with the same profile', async () => {
    const h = harness();
    await stageFixture(h, 'latin1.csv');
    const outcome = await runImportJob(h, { source: { path: 'latin1.csv' }, profile: { ...CONTACTS_DEALS, csv: { encoding: 'latin1' } } });
    const paths = reportPaths(outcome.summary!.reportPath!);
    for (const file of [paths.report, paths.errors]) expect((await readFile(file)).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('BOM in, BOM out: a report and errors file start with a UTF-8 BOM exactly when the input had one (UTF-8 or UTF-16)', async () => {
    const h = harness();
    const cases = [['utf8-bom.csv', true], ['utf16le-bom.csv', true], ['utf16be-bom.csv', true], ['semicolon.csv', false], ['blank-lines.csv', false]] as const;
    for (const [file, bom] of cases) {
      await stageFixture(h, file);
      const outcome = await runImportJob(h, { source: { path: file }, profile: 'contacts-deals' });
      const paths = reportPaths(outcome.summary!.reportPath!);
      for (const written of [paths.report, paths.errors]) {
        expect((await readFile(written)).subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), `${file}: ${written}`).toBe(bom);
      }
    }
  });

  it('fails a file with a 5 MB field (over RELSYNC_MAX_FIELD_BYTES, 1 MiB) with one line, and imports a 1,000,000-byte field', async () => {
    const h = harness();
    const big = 'x'.repeat(5 * 1024 * 1024);
    await writeFile(join(h.dir, 'field-5mb.csv'), `${H4.join(',')}\nC-0001,D-0001,,small\nC-0002,D-0002,,"${big}"\nC-0003,D-0003,,after\n`);
    const callsBefore = h.sim.counters.calls;
    const failed = await runImportJob(h, { source: { path: 'field-5mb.csv' }, profile: 'contacts-deals' });
    const line = `${join(h.dir, 'field-5mb.csv')}: line 3: expected a row of at most 1048576 bytes (RELSYNC_MAX_FIELD_BYTES), got a longer one: a field that long, or a quote opened here and never closed; fix the file or raise RELSYNC_MAX_FIELD_BYTES`;
    expect(failed.reason).toBe(line);
    expect(failed.record).toMatchObject({ state: 'failed', failedReason: line });
    expect(h.sim.counters.calls).toBe(callsBefore);

    const large = 'y'.repeat(1_000_000);
    await writeFile(join(h.dir, 'field-1mb.csv'), `${H4.join(',')}\nC-0001,D-0001,,"${large}"\nC-0002,D-0002,,after\n`);
    const passed = await runImportJob(h, { source: { path: 'field-1mb.csv' }, profile: 'contacts-deals' });
    await expectReport(passed.summary!.reportPath!, H4, [ok(h, ['C-0001', 'D-0001', '', large]), ok(h, ['C-0002', 'D-0002', '', 'after'])]);
  });

  it('still imports a good file after all of the above, by the queue and by the CLI', async () => {
    const h = harness();
    await writeFile(join(h.dir, 'good.csv'), `${H3.join(',')}\nC-0010,D-0010,${ROLE_ID}\nC-0011,D-0011,\n`);
    const byQueue = await runImportJob(h, { source: { path: 'good.csv' }, profile: 'contacts-deals' });
    expect(byQueue.summary).toMatchObject({ status: 'done', rows: 2, success: 2, error: 0 });
    const byCli = await h.waitDone(await h.importFile(join(h.dir, 'good.csv')));
    expect(byCli).toMatchObject({ state: 'done', rows: 2, success: 2, error: 0 });
  });
});

/** The report is the input's header and cells, then ours; errors.csv holds exactly the rows in error. */
async function expectReport(reportPath: string, header: string[], rows: Expected[], delimiter = ','): Promise<void> {
  const ours = ['_row', '_status', '_code', '_message', '_zoho_id'];
  const line = (e: Expected, i: number): unknown[] => [...e.cells, String(i + 1), e.status, e.code, e.message, e.zohoId];
  expect(await readRows(reportPath, delimiter)).toEqual([[...header, ...ours], ...rows.map(line)]);
  const errors = rows.map(line).filter((_, i) => rows[i]!.status === 'error');
  expect(await readRows(reportPaths(reportPath).errors, delimiter)).toEqual([[...header, ...ours], ...errors]);
}
