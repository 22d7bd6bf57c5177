import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCsv } from '../../../src/csv/csv-reader.js';
import type { RowOutcome } from '../../../src/domain/row-outcome.js';
import { reportPaths, writeReport, type OutcomeLookup } from '../../../src/report/report-writer.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const fixture = (name: string): string => join(import.meta.dirname, '../../fixtures/csv', name);

/** A lookup over stored outcomes, like the ledger's: same order as asked, undefined when none. */
function lookupFrom(outcomes: RowOutcome[]): OutcomeLookup {
  const byRow = new Map(outcomes.map((outcome) => [outcome.row, outcome]));
  return async (rows) => rows.map((row) => byRow.get(row));
}

const MIXED_OUTCOMES: RowOutcome[] = [
  { row: 1, status: 'success', code: 'SUCCESS', message: 'added', zohoId: '111' },
  { row: 2, status: 'error', code: 'MALFORMED_ROW', message: 'expected 3 cells, got 2' },
  { row: 3, status: 'error', code: 'MALFORMED_ROW', message: 'expected 3 cells, got 5; surplus cells: "extra", "more, stuff"' },
  { row: 4, status: 'error', code: 'MISSING_VALUE', message: 'contact_ext_id is empty' },
  { row: 5, status: 'skipped', code: 'DUPLICATE_PAIR', message: 'superseded by row 6 (same contact and deal)' },
];

const HEADER = 'contact_ext_id,deal_ext_id,contact_role,_row,_status,_code,_message,_zoho_id\n';
const LINES = [
  'C-1,D-1,Buyer,1,success,SUCCESS,added,111\n',
  'C-2,D-2,,2,error,MALFORMED_ROW,"expected 3 cells, got 2",\n',
  'C-3,D-3,Buyer,3,error,MALFORMED_ROW,"expected 3 cells, got 5; surplus cells: ""extra"", ""more, stuff""",\n',
  '" "," D-4",Buyer,4,error,MISSING_VALUE,contact_ext_id is empty,\n',
  'Zoë ✓,"D-5 ","  Décideur ",5,skipped,DUPLICATE_PAIR,superseded by row 6 (same contact and deal),\n',
  'C-6,"D-6 ""quoted""","multi\nline",6,error,NO_OUTCOME,no outcome was recorded,\n',
];

const tmp = useTempDir('relsync-report-');

describe('reportPaths', () => {
  it('puts the errors, summary and a mirror\'s removed links beside the report', () => {
    expect(reportPaths('x/y.csv')).toEqual({ report: 'x/y.csv', errors: 'x/y.errors.csv', summary: 'x/y.summary.json', removed: 'x/y.removed.csv' });
    expect(reportPaths('done/a.report.csv')).toEqual({ report: 'done/a.report.csv', errors: 'done/a.errors.csv', summary: 'done/a.summary.json', removed: 'done/a.removed.csv' });
  });
});

describe('writeReport', () => {
  it('writes every input row in order with its outcome, cells back as they were, padded or cut to the header', async () => {
    const reportPath = join(tmp.path, 'mixed', 'report.csv');
    await writeReport({ input: fixture('report-mixed-rows.csv'), reportPath, lookup: lookupFrom(MIXED_OUTCOMES) });
    expect(await readFile(reportPath, 'utf8')).toBe(HEADER + LINES.join(''));
  });

  it('gives back the input cells byte for byte when the report is read as CSV', async () => {
    const reportPath = join(tmp.path, 'bytes', 'report.csv');
    await writeReport({ input: fixture('report-mixed-rows.csv'), reportPath, lookup: lookupFrom(MIXED_OUTCOMES) });
    const input = await openCsv(fixture('report-mixed-rows.csv'));
    const report = await openCsv(reportPath);
    const expected: string[][] = [];
    for await (const record of input.records) expected.push(Array.from({ length: 3 }, (_, i) => record.cells[i] ?? ''));
    const got: string[][] = [];
    for await (const record of report.records) got.push(record.cells.slice(0, 3));
    expect(got).toEqual(expected);
  });

  it('writes the rows in error alone to .errors.csv, readable as input with the same header first', async () => {
    const reportPath = join(tmp.path, 'errors', 'report.csv');
    await writeReport({ input: fixture('report-mixed-rows.csv'), reportPath, lookup: lookupFrom(MIXED_OUTCOMES) });
    const errors = await readFile(join(tmp.path, 'errors', 'report.errors.csv'), 'utf8');
    expect(errors).toBe(HEADER + [LINES[1], LINES[2], LINES[3], LINES[5]].join(''));
  });

  it('writes a summary of the counts merged with the extra fields, and returns the counts', async () => {
    const reportPath = join(tmp.path, 'summary', 'report.csv');
    const counts = await writeReport({
      input: fixture('report-mixed-rows.csv'),
      reportPath,
      lookup: lookupFrom(MIXED_OUTCOMES),
      summaryExtra: { importId: 'imp-1', calls: 3, rows: -1 },
    });
    const expected = {
      rows: 6,
      success: 1,
      error: 4,
      skipped: 1,
      byCode: { DUPLICATE_PAIR: 1, MALFORMED_ROW: 2, MISSING_VALUE: 1, NO_OUTCOME: 1, SUCCESS: 1 },
    };
    expect(counts).toEqual(expected);
    expect(JSON.parse(await readFile(join(tmp.path, 'summary', 'report.summary.json'), 'utf8'))).toEqual({ importId: 'imp-1', calls: 3, ...expected });
  });

  it('uses the given outcome for a row that has none', async () => {
    const reportPath = join(tmp.path, 'missing', 'report.csv');
    await writeReport({
      input: fixture('report-mixed-rows.csv'),
      reportPath,
      lookup: lookupFrom(MIXED_OUTCOMES),
      missing: (row) => ({ row, status: 'error', code: 'SYNC_FAILED', message: 'the call failed for good' }),
    });
    const lines = (await readFile(reportPath, 'utf8')).split('\n');
    expect(lines.at(-2)).toBe('line",6,error,SYNC_FAILED,the call failed for good,');
  });

  it('keeps input order when lookups answer late, out of order, and in another order than asked', async () => {
    const rows = 57;
    const input = join(tmp.path, 'order.csv');
    await writeFile(input, `id,rel\n${Array.from({ length: rows }, (_, i) => `C-${i + 1},D-${i + 1}`).join('\n')}\n`);
    const lookup: OutcomeLookup = async (asked) => {
      await new Promise((resolve) => setTimeout(resolve, (asked[0] ?? 0) % 3 === 0 ? 15 : 1));
      return asked.map((row): RowOutcome => ({ row, status: 'success', code: 'SUCCESS', message: `ok ${row}` })).reverse();
    };
    const reportPath = join(tmp.path, 'order', 'report.csv');
    await writeReport({ input, reportPath, lookup, batchSize: 5 });
    const lines = (await readFile(reportPath, 'utf8')).trimEnd().split('\n').slice(1);
    expect(lines).toEqual(Array.from({ length: rows }, (_, i) => `C-${i + 1},D-${i + 1},${i + 1},success,SUCCESS,ok ${i + 1},`));
  });

  it('writes with the input\'s delimiter so the errors file reads with the same profile', async () => {
    const reportPath = join(tmp.path, 'semicolon', 'report.csv');
    const lookup = lookupFrom([{ row: 1, status: 'error', code: 'INVALID_DATA', message: 'bad; really' }]);
    await writeReport({ input: fixture('semicolon-delimiter.csv'), csv: { delimiter: ';' }, reportPath, lookup });
    expect(await readFile(join(tmp.path, 'semicolon', 'report.errors.csv'), 'utf8')).toBe(
      'contact_ext_id;deal_ext_id;contact_role;_row;_status;_code;_message;_zoho_id\nC-1;D-1;Buyer, Senior;1;error;INVALID_DATA;"bad; really";\n',
    );
  });

  it('replaces the columns of a fed-back errors file with this run\'s, wherever they are, instead of repeating them', async () => {
    const first = join(tmp.path, 'fed', 'first.csv');
    await writeReport({ input: fixture('report-mixed-rows.csv'), reportPath: first, lookup: lookupFrom(MIXED_OUTCOMES) });
    const fedBack = join(tmp.path, 'fed', 'first.errors.csv');
    const second = join(tmp.path, 'fed', 'second.csv');
    const retried = [1, 2, 3, 4].map((row): RowOutcome => ({ row, status: row === 2 ? 'error' : 'success', code: row === 2 ? 'INVALID_DATA' : 'SUCCESS', message: `try 2, row ${row}` }));
    await writeReport({ input: fedBack, reportPath: second, lookup: lookupFrom(retried) });
    const secondLines = (await readFile(second, 'utf8')).split('\n');
    expect(secondLines[0]).toBe(HEADER.trimEnd());
    // The input's own cells as in the first report (C-2's padded one included), then this run's outcome.
    expect(secondLines[1]).toBe('C-2,D-2,,1,success,SUCCESS,"try 2, row 1",');
    expect(secondLines[2]).toBe('C-3,D-3,Buyer,2,error,INVALID_DATA,"try 2, row 2",');
    expect(await readFile(join(tmp.path, 'fed', 'second.errors.csv'), 'utf8')).toBe(`${HEADER}C-3,D-3,Buyer,2,error,INVALID_DATA,"try 2, row 2",\n`);

    // Moved around by hand (and a name with spaces around it): still ours, still dropped.
    const edited = join(tmp.path, 'fed', 'edited.csv');
    await writeFile(edited, '_status,contact_ext_id, _row ,deal_ext_id,_code,note\nerror,C-9,7,D-9,OLD,keep me\n');
    await writeReport({ input: edited, reportPath: join(tmp.path, 'fed', 'edited.report.csv'), lookup: lookupFrom([{ row: 1, status: 'success', code: 'SUCCESS', message: 'added', zohoId: '9' }]) });
    expect(await readFile(join(tmp.path, 'fed', 'edited.report.csv'), 'utf8')).toBe(
      'contact_ext_id,deal_ext_id,note,_row,_status,_code,_message,_zoho_id\nC-9,D-9,keep me,1,success,SUCCESS,added,9\n',
    );
  });

  it('starts the report and errors file with a BOM exactly when the input had one', async () => {
    const lookup = lookupFrom([{ row: 1, status: 'error', code: 'INVALID_DATA', message: 'bad' }]);
    const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
    const hostile = (name: string): string => join(import.meta.dirname, '../../fixtures/hostile', name);
    for (const [input, bom] of [[fixture('bom.csv'), true], [hostile('utf16le-bom.csv'), true], [hostile('utf16be-bom.csv'), true], [fixture('crlf.csv'), false]] as const) {
      const reportPath = join(tmp.path, 'bom', `${bom}-${input.split('/').at(-1)}`);
      await writeReport({ input, reportPath, lookup: async (rows) => (await lookup(rows)).map((o, i) => o ?? { row: rows[i]!, status: 'success', code: 'SUCCESS', message: 'ok' }) });
      for (const file of [reportPath, reportPaths(reportPath).errors]) {
        const head = (await readFile(file)).subarray(0, 4);
        expect(head.subarray(0, 3).equals(BOM), `${file} starts with a BOM`).toBe(bom);
        expect(head.includes(0xfe) || head.includes(0xff), `${file} is UTF-8`).toBe(false);
      }
    }
  });

  it('writes a malformed remainder as a padded row', async () => {
    const reportPath = join(tmp.path, 'unclosed', 'report.csv');
    const message = 'a quote opened in this row (line 3) is never closed, so the rest of the file could not be read as rows';
    const lookup = lookupFrom([
      { row: 1, status: 'success', code: 'SUCCESS', message: 'added', zohoId: '9' },
      { row: 2, status: 'error', code: 'MALFORMED_ROW', message },
    ]);
    await writeReport({ input: fixture('unclosed-quote.csv'), reportPath, lookup });
    expect(await readFile(reportPath, 'utf8')).toBe(
      `contact_ext_id,deal_ext_id,_row,_status,_code,_message,_zoho_id\nC-1,D-1,1,success,SUCCESS,added,9\n,,2,error,MALFORMED_ROW,"${message}",\n`,
    );
  });

  describe('replaces the report atomically (the watched folder and `relsync report` rely on it)', () => {
    const FINAL_NAMES = ['report.csv', 'report.errors.csv', 'report.summary.json'];
    /** A hidden temporary file beside its target, as the writer names it: `.report.csv.1a2b3c4d.tmp`. */
    const TEMP_NAME = /^\.report\.(csv|errors\.csv|summary\.json)\.[0-9a-f]{8}\.tmp$/;

    /** The report, errors file and summary of the MIXED outcomes, written into `out`; returns their text. */
    async function writeOlderReport(out: string): Promise<string[]> {
      await writeReport({ input: fixture('report-mixed-rows.csv'), reportPath: join(out, 'report.csv'), lookup: lookupFrom(MIXED_OUTCOMES) });
      return Promise.all(FINAL_NAMES.map((name) => readFile(join(out, name), 'utf8')));
    }

    it('lets a reader see the older report whole while the new one is written, never a partial file', async () => {
      const out = join(tmp.path, 'reader');
      const older = await writeOlderReport(out);
      // Rows 1-2 are written when the lookup for rows 3-4 is asked: what would a reader find then?
      const seen: Array<{ names: string[]; files: string[] }> = [];
      const lookup: OutcomeLookup = async (rows) => {
        if (rows[0] === 3) seen.push({ names: await readdir(out), files: await Promise.all(FINAL_NAMES.map((name) => readFile(join(out, name), 'utf8'))) });
        return rows.map((row): RowOutcome => ({ row, status: 'error', code: 'INVALID_DATA', message: `new ${row}` }));
      };
      await writeReport({ input: fixture('report-mixed-rows.csv'), reportPath: join(out, 'report.csv'), lookup, batchSize: 2 });

      expect(seen).toHaveLength(1);
      expect(seen[0]!.files).toEqual(older);
      // The new report and errors file are being written beside their targets, under hidden temporary names.
      expect(seen[0]!.names.filter((name) => TEMP_NAME.test(name)).map((name) => name.replace(/[0-9a-f]{8}/, '*')).sort()).toEqual([
        '.report.csv.*.tmp', '.report.errors.csv.*.tmp',
      ]);
      // Once done: the new report in place, and no temporary file left.
      expect(await readFile(join(out, 'report.csv'), 'utf8')).toContain('C-1,D-1,Buyer,1,error,INVALID_DATA,new 1,\n');
      expect((await readdir(out)).sort()).toEqual(FINAL_NAMES);
    });

    it('leaves the older report, errors file and summary intact, and no temporary file, when writing fails midway', async () => {
      const out = join(tmp.path, 'midway');
      const older = await writeOlderReport(out);
      const failing: OutcomeLookup = async (rows) => {
        if ((rows[0] ?? 0) > 2) throw new Error('redis went away');
        return rows.map(() => undefined);
      };
      await expect(writeReport({ input: fixture('report-mixed-rows.csv'), reportPath: join(out, 'report.csv'), lookup: failing, batchSize: 2 })).rejects.toThrow(
        'redis went away',
      );
      expect(await Promise.all(FINAL_NAMES.map((name) => readFile(join(out, name), 'utf8')))).toEqual(older);
      expect((await readdir(out)).sort()).toEqual(FINAL_NAMES);
    });

    it('leaves nothing at all when writing fails midway and there was no older report', async () => {
      const out = join(tmp.path, 'failing');
      const failing: OutcomeLookup = async (rows) => {
        if ((rows[0] ?? 0) > 2) throw new Error('redis went away');
        return rows.map(() => undefined);
      };
      await expect(writeReport({ input: fixture('report-mixed-rows.csv'), reportPath: join(out, 'report.csv'), lookup: failing, batchSize: 2 })).rejects.toThrow(
        'redis went away',
      );
      expect(await readdir(out)).toEqual([]);
    });

    it('names the report, never its temporary file, when the report cannot be put in place', async () => {
      const out = join(tmp.path, 'blocked');
      const reportPath = join(out, 'report.csv');
      await mkdir(join(reportPath, 'taken'), { recursive: true }); // a folder where the report should go
      const failure = await writeReport({ input: fixture('report-mixed-rows.csv'), reportPath, lookup: lookupFrom(MIXED_OUTCOMES) }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'REPORT_WRITE_FAILED', message: `${reportPath}: could not write the report (EISDIR: illegal operation on a directory)` });
      expect((failure as Error).message).not.toMatch(/\.tmp\b/);
      expect(await readdir(out)).toEqual(['report.csv']);
    });
  });

  it('rejects a lookup that answers with the wrong number of outcomes', async () => {
    const lookup: OutcomeLookup = async () => [];
    await expect(writeReport({ input: fixture('crlf.csv'), reportPath: join(tmp.path, 'short', 'r.csv'), lookup })).rejects.toMatchObject({ code: 'LOOKUP_INVALID' });
  });
});
