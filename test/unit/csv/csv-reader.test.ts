import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCsv, type CsvReadOptions, type CsvRecord } from '../../../src/csv/csv-reader.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const fixture = (name: string): string => join(import.meta.dirname, '../../fixtures/csv', name);

async function readAll(path: string, options?: CsvReadOptions): Promise<{ header: string[]; records: CsvRecord[] }> {
  const source = await openCsv(path, options);
  const records: CsvRecord[] = [];
  // Byte ranges have a test of their own (below).
  for await (const { start: _start, end: _end, ...record } of source.records) records.push(record);
  return { header: source.header, records };
}

const tmp = useTempDir('relsync-csv-reader-');

describe('openCsv', () => {
  it('strips a UTF-8 BOM from the first header cell', async () => {
    const { header, records } = await readAll(fixture('bom.csv'));
    expect(header).toEqual(['contact_ext_id', 'deal_ext_id', 'contact_role']);
    expect(records).toEqual([{ row: 1, cells: ['C-1', 'D-1', 'Buyer'], line: 2 }]);
  });

  it('reads CRLF files without carriage returns in the cells', async () => {
    const { records } = await readAll(fixture('crlf.csv'));
    expect(records).toEqual([
      { row: 1, cells: ['C-1', 'D-1', 'Buyer'], line: 2 },
      { row: 2, cells: ['C-2', 'D-2', ''], line: 3 },
    ]);
  });

  it("gives each record's byte range: from the record before it (blank and delimiter-only lines included) to past its line break", async () => {
    const text = '\uFEFFa,b\r\n\r\n,\n1,"x\ny"\n\n2,é\r3,3';
    const path = join(tmp.path, 'ranges.csv');
    await writeFile(path, text);
    const bytes = Buffer.from(text);
    const source = await openCsv(path);
    const slices: string[] = [];
    for await (const record of source.records) slices.push(bytes.subarray(record.start, record.end).toString());
    expect(slices).toEqual(['1,"x\ny"\n', '\n2,é\r', '3,3']);
  });

  it('splits a file whose lines end in CRLF, LF and CR alike', async () => {
    const { records } = await readAll(fixture('mixed-line-endings.csv'));
    expect(records.map((r) => [r.row, r.line, r.cells])).toEqual([
      [1, 2, ['C-1', 'D-1']],
      [2, 3, ['C-2', 'D-2']],
      [3, 4, ['C-3', 'D-3']],
    ]);
  });

  it('keeps quoted newlines, commas and doubled quotes in one cell, and numbers the lines after them', async () => {
    const { records } = await readAll(fixture('quoted-newline-comma.csv'));
    expect(records).toEqual([
      { row: 1, cells: ['C-1', 'D-1', 'line one\nline two'], line: 2 },
      { row: 2, cells: ['C-2', 'D-2', 'a, b and "c"'], line: 4 },
      { row: 3, cells: ['C-3', 'D-3', 'crlf\r\ninside'], line: 5 },
      { row: 4, cells: ['C-4', 'D-4', 'last'], line: 7 },
    ]);
  });

  it('skips blank lines without counting them as rows, but counts them as lines', async () => {
    const { header, records } = await readAll(fixture('blank-lines.csv'));
    expect(header).toEqual(['contact_ext_id', 'deal_ext_id']);
    expect(records).toEqual([
      { row: 1, cells: ['C-1', 'D-1'], line: 5 },
      { row: 2, cells: ['C-2', 'D-2'], line: 8 },
    ]);
  });

  it('skips lines of only delimiters (spreadsheet leftovers) as blank lines: not rows, still lines', async () => {
    const path = join(tmp.path, 'delimiters-only.csv');
    await writeFile(path, ',,\r\na,b,c\r\n,,\r\nC-1,D-1,x\r\n,,,,,\r\n"",""\r\n  , ,\r\nC-2,D-2,y\r\n""\r\n,\r\n');
    const { header, records } = await readAll(path);
    expect(header).toEqual(['a', 'b', 'c']);
    // Cells of spaces are not empty, and one quoted empty cell is a row (formatCsvRow writes a row so).
    expect(records).toEqual([
      { row: 1, cells: ['C-1', 'D-1', 'x'], line: 4 },
      { row: 2, cells: ['  ', ' ', ''], line: 7 },
      { row: 3, cells: ['C-2', 'D-2', 'y'], line: 8 },
      { row: 4, cells: [''], line: 9 },
    ]);
    const semicolons = join(tmp.path, 'excel-leftovers.csv');
    await writeFile(semicolons, 'a;b;c\n;;\nC-1;D-1;x\n;;\n;;;;;;\n');
    expect((await readAll(semicolons)).records).toEqual([{ row: 1, cells: ['C-1', 'D-1', 'x'], line: 3 }]);
  });

  it('says whether the file started with a byte-order mark', async () => {
    expect((await openCsv(fixture('bom.csv'))).bom).toBe(true);
    expect((await openCsv(fixture('crlf.csv'))).bom).toBe(false);
    const hostile = (name: string): string => join(import.meta.dirname, '../../fixtures/hostile', name);
    for (const name of ['utf16le-bom.csv', 'utf16be-bom.csv']) expect((await openCsv(hostile(name))).bom, name).toBe(true);
  });

  it('keeps cells exactly as written, spaces included, and rows of any length', async () => {
    const path = join(tmp.path, 'ragged.csv');
    await writeFile(path, 'a,b,c\n  x , y\n1,2,3,4\n');
    const { records } = await readAll(path);
    expect(records.map((r) => r.cells)).toEqual([['  x ', ' y'], ['1', '2', '3', '4']]);
  });

  it('keeps a stray quote inside an unquoted cell as text instead of failing the row', async () => {
    const { records } = await readAll(fixture('stray-quotes.csv'));
    expect(records.map((r) => r.cells)).toEqual([
      ['C-1', 'D-1', '5" screen'],
      ['C-2', '"D-2"x', 'ok'],
    ]);
    expect(records.every((r) => r.error === undefined)).toBe(true);
  });

  it('reads another delimiter when told', async () => {
    const { header, records } = await readAll(fixture('semicolon-delimiter.csv'), { delimiter: ';' });
    expect(header).toEqual(['contact_ext_id', 'deal_ext_id', 'contact_role']);
    expect(records[0]?.cells).toEqual(['C-1', 'D-1', 'Buyer, Senior']);
  });

  it('turns the rest of the file after an unclosed quote into one final MALFORMED_ROW record', async () => {
    const { records } = await readAll(fixture('unclosed-quote.csv'));
    expect(records).toEqual([
      { row: 1, cells: ['C-1', 'D-1'], line: 2 },
      {
        row: 2,
        cells: [],
        line: 3,
        error: {
          code: 'MALFORMED_ROW',
          message: 'a quote opened in this row (line 3) is never closed, so the rest of the file could not be read as rows',
        },
      },
    ]);
  });

  it('fails the whole read at a record longer than maxFieldBytes, naming its line and the setting', async () => {
    const path = join(tmp.path, 'stray-quote-long.csv');
    await writeFile(path, `a,b\nC-1,D-1\nC-2,"D-2\n${'C-3,D-3\n'.repeat(50)}`);
    await expect(readAll(path, { maxFieldBytes: 100 })).rejects.toMatchObject({
      code: 'FILE_INVALID',
      message: `${path}: line 3: expected a row of at most 100 bytes (RELSYNC_MAX_FIELD_BYTES), got a longer one: a field that long, or a quote opened here and never closed; fix the file or raise RELSYNC_MAX_FIELD_BYTES`,
    });
  });

  it('numbers rows the same way on every read', async () => {
    const source = await openCsv(fixture('quoted-newline-comma.csv'));
    const read = async (): Promise<number[][]> => {
      const seen: number[][] = [];
      for await (const record of source.records) seen.push([record.row, record.line]);
      return seen;
    };
    expect(await read()).toEqual(await read());
  });

  it('streams across chunk boundaries without losing or splitting rows', async () => {
    const path = join(tmp.path, 'large.csv');
    const rows = Array.from({ length: 5_000 }, (_, i) => `C-${i},"D-${i}\n(two lines)",r${i}`);
    await writeFile(path, `a,b,c\r\n${rows.join('\r\n')}\r\n`);
    const { records } = await readAll(path);
    expect(records).toHaveLength(5_000);
    expect(records[4_999]).toEqual({ row: 5_000, cells: ['C-4999', 'D-4999\n(two lines)', 'r4999'], line: 10_000 });
  });

  it('reads a header-only file as no records', async () => {
    expect(await readAll(fixture('header-only.csv'))).toEqual({ header: ['contact_ext_id', 'deal_ext_id'], records: [] });
  });

  it('rejects a missing file with FILE_NOT_FOUND naming it', async () => {
    const path = join(tmp.path, 'nope.csv');
    await expect(openCsv(path)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: `${path}: no such file` });
  });

  it('rejects an empty file, or one of blank lines only, with FILE_INVALID', async () => {
    for (const name of ['empty.csv', 'only-blank-lines.csv']) {
      const path = fixture(name);
      await expect(openCsv(path)).rejects.toMatchObject({ code: 'FILE_INVALID', message: `${path}: the file is empty; expected a header line` });
    }
  });

  it('rejects a directory with FILE_INVALID', async () => {
    await expect(openCsv(tmp.path)).rejects.toMatchObject({ code: 'FILE_INVALID', message: `${tmp.path}: is a directory, not a CSV file` });
  });

  it('rejects a header that is never closed with FILE_INVALID and its line', async () => {
    const path = fixture('unclosed-quote-in-header.csv');
    await expect(openCsv(path)).rejects.toMatchObject({
      code: 'FILE_INVALID',
      message: `${path}: line 1: a quote opened in this row (line 1) is never closed, so the rest of the file could not be read as rows`,
    });
  });

  it('rejects a delimiter that cannot be one', async () => {
    await expect(openCsv(fixture('crlf.csv'), { delimiter: '"' })).rejects.toMatchObject({ code: 'PROFILE_INVALID' });
  });
});
