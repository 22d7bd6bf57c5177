/**
 * The report copied from the rows' byte ranges (what ingest records) says, cell for cell, what the
 * report parsed from the input says: same rows, same outcomes, same errors file and counts, whatever
 * the file's line endings, BOM, blank or delimiter-only lines, quoted line breaks, short, long or
 * malformed rows. Only the quoting of the input's own cells is the input's.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { openCsv, type CsvReadOptions } from '../../../src/csv/csv-reader.js';
import { rowOffsetsPath, RowOffsetsWriter } from '../../../src/csv/row-offsets.js';
import type { RowOutcome } from '../../../src/domain/row-outcome.js';
import { reportPaths, writeReport, type OutcomeLookup } from '../../../src/report/report-writer.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const fixture = (name: string): string => join(import.meta.dirname, '../../fixtures/csv', name);
const tmp = useTempDir('relsync-report-copy-');

/** The ranges as ingest records them (usecases/ingest-import.ts): every record, in one pass of the reader. */
async function recordOffsets(input: string, csv: CsvReadOptions = {}): Promise<string> {
  const source = await openCsv(input, csv);
  const path = rowOffsetsPath(input);
  const writer = await RowOffsetsWriter.create(path);
  for await (const records of source.batches) {
    for (const record of records) writer.add(record.start, record.end, record.cells.length === source.header.length && record.error === undefined);
    await writer.flush();
  }
  await writer.finish({ path: input, delimiter: source.delimiter });
  return path;
}

/** Every third row an error, the others a success or a skip; messages that need quoting. */
const lookup: OutcomeLookup = async (rows) => rows.map((row): RowOutcome => (
  row % 3 === 0 ? { row, status: 'error', code: 'INVALID_DATA', message: `bad, "row" ${row}\nsee` }
  : row % 3 === 1 ? { row, status: 'success', code: 'SUCCESS', message: 'relation added', zohoId: `57257670000${row}` }
  : { row, status: 'skipped', code: 'DUPLICATE_PAIR', message: `superseded; row ${row + 1}` }
));

async function cellsOf(path: string, csv: CsvReadOptions = {}): Promise<string[][]> {
  const source = await openCsv(path, csv);
  const rows = [source.header];
  for await (const record of source.records) rows.push(record.cells);
  return rows;
}

const CASES: Array<[name: string, text: string, csv?: CsvReadOptions]> = [
  ['crlf, mixed endings, no final line break', 'a,b,c\r\n1,2,3\n4,5,6\r7,8,9'],
  ['blank and delimiter-only lines, before the first row too', 'a,b,c\n\n,,\n1,2,3\n\r\n;;\n,,,\n"",""\n4,5,6\n\n\n'],
  ['quoted line breaks, quotes and delimiters, a quote inside a cell', 'a,b,c\n"x\r\ny","say ""hi""","a,b"\n5" screen,"",\n""\n'],
  ['short and long rows, spaces kept', 'a,b,c\n1,2\n1,2,3,4,5\n  x ,\t,y \n'],
  ['a malformed remainder', 'a,b,c\n1,2,3\n4,"5,6\n7,8,9\n'],
  ['a BOM and semicolons', '\uFEFFa;b;c\n1;2,5;3\n4;5;6\n', { delimiter: ';' }],
  ['detected tab delimiter, unicode', 'a\tb\tc\nZoë ✓\tdé\t😀\n'],
  ['quotes strict readers refuse: inside a cell, after a closing quote', 'a,b,c\n5" screen,x,y\n"ok","a""b",\n"x"y,2,3\n37°36\'37.8"N,1,"2"\n'],
];

describe('the report copied from row offsets', () => {
  it.each(CASES)('reads back as the parsed report does: %s', async (name, text, csv = {}) => {
    const input = join(tmp.path, `${name.replace(/\W+/g, '-')}.csv`);
    await writeFile(input, text);
    const parsed = join(tmp.path, `${name.replace(/\W+/g, '-')}.parsed.csv`);
    const copied = join(tmp.path, `${name.replace(/\W+/g, '-')}.copied.csv`);
    const parsedCounts = await writeReport({ input, csv, reportPath: parsed, lookup });
    const copiedCounts = await writeReport({ input, csv, reportPath: copied, lookup, rowOffsets: await recordOffsets(input, csv) });
    expect(copiedCounts).toEqual(parsedCounts);
    expect(await cellsOf(copied, csv)).toEqual(await cellsOf(parsed, csv));
    // Strict CSV too (no lenient quotes), as spreadsheets and other readers take it.
    const delimiter = (await openCsv(input, csv)).delimiter;
    for (const path of [copied, reportPaths(copied).errors]) {
      expect(parse(await readFile(path), { delimiter, bom: true, relax_column_count: true })).toEqual(parse(await readFile(path.replace('.copied', '.parsed')), { delimiter, bom: true, relax_column_count: true }));
    }
    expect(await cellsOf(reportPaths(copied).errors, csv)).toEqual(await cellsOf(reportPaths(parsed).errors, csv));
    const head = async (path: string) => (await readFile(path)).subarray(0, 3).toString('hex');
    expect(await head(copied)).toBe(await head(parsed));
  });

  it("copies the input's bytes as they are, quotes only our columns, and ends every line with \\n", async () => {
    const input = join(tmp.path, 'quoted.csv');
    await writeFile(input, 'a,b\r\n"1","x"\r\n\r\n2 ,"y ""z"""\r\n');
    const report = join(tmp.path, 'quoted.report.csv');
    await writeReport({ input, reportPath: report, lookup, rowOffsets: await recordOffsets(input) });
    expect(await readFile(report, 'utf8')).toBe(
      'a,b,_row,_status,_code,_message,_zoho_id\n' +
      '"1","x",1,success,SUCCESS,relation added,572576700001\n' +
      '2 ,"y ""z""",2,skipped,DUPLICATE_PAIR,superseded; row 3,\n',
    );
  });

  it('parses instead when the offsets are not for this file, or the input has columns named like ours', async () => {
    const input = join(tmp.path, 'changed.csv');
    await writeFile(input, 'a,b\n"1",2\n');
    const offsets = await recordOffsets(input);
    await writeFile(input, 'a,b\n"1",2\n"3",4\n');
    const report = join(tmp.path, 'changed.report.csv');
    await writeReport({ input, reportPath: report, lookup, rowOffsets: offsets });
    expect(await cellsOf(report)).toEqual([['a', 'b', '_row', '_status', '_code', '_message', '_zoho_id'], ['1', '2', '1', 'success', 'SUCCESS', 'relation added', '572576700001'], ['3', '4', '2', 'skipped', 'DUPLICATE_PAIR', 'superseded; row 3', '']]);
    expect(await readFile(report, 'utf8')).toContain('\n1,2,1,'); // formatted: not copied

    const fedBack = join(tmp.path, 'fed.csv');
    await copyFile(fixture('report-mixed-rows.csv'), join(tmp.path, 'mixed.csv'));
    await writeReport({ input: join(tmp.path, 'mixed.csv'), reportPath: fedBack, lookup });
    const errors = reportPaths(fedBack).errors;
    const again = join(tmp.path, 'fed-again.csv');
    await writeReport({ input: errors, reportPath: again, lookup, rowOffsets: await recordOffsets(errors) });
    expect((await cellsOf(again))[0]).toEqual(['contact_ext_id', 'deal_ext_id', 'contact_role', '_row', '_status', '_code', '_message', '_zoho_id']);
  });
});
