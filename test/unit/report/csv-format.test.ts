import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openCsv } from '../../../src/csv/csv-reader.js';
import { formatCsvCell, formatCsvRow } from '../../../src/report/csv-format.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const tmp = useTempDir('relsync-csv-format-');

describe('formatCsvCell', () => {
  it('leaves a plain cell as it is', () => {
    expect(formatCsvCell('C-1042')).toBe('C-1042');
    expect(formatCsvCell('Zoë ✓ inner space')).toBe('Zoë ✓ inner space');
    expect(formatCsvCell('')).toBe('');
  });

  it('quotes a cell with the delimiter, a quote, CR or LF, doubling quotes', () => {
    expect(formatCsvCell('a,b')).toBe('"a,b"');
    expect(formatCsvCell('5" screen')).toBe('"5"" screen"');
    expect(formatCsvCell('one\ntwo')).toBe('"one\ntwo"');
    expect(formatCsvCell('one\rtwo')).toBe('"one\rtwo"');
  });

  it('quotes a cell with leading or trailing space, which readers may trim', () => {
    expect(formatCsvCell(' x')).toBe('" x"');
    expect(formatCsvCell('x\t')).toBe('"x\t"');
  });

  it('quotes for the delimiter in use, not for a comma', () => {
    expect(formatCsvCell('a,b', ';')).toBe('a,b');
    expect(formatCsvCell('a;b', ';')).toBe('"a;b"');
    expect(formatCsvCell('a\tb', '\t')).toBe('"a\tb"');
  });
});

describe('formatCsvRow', () => {
  it('joins cells with the delimiter', () => {
    expect(formatCsvRow(['a', 'b c', 'd,e'])).toBe('a,b c,"d,e"');
    expect(formatCsvRow(['a', 'b'], ';')).toBe('a;b');
  });

  it('writes a row of one empty cell as "" so it is not read as a blank line', () => {
    expect(formatCsvRow([''])).toBe('""');
    expect(formatCsvRow(['', ''])).toBe(',');
  });
});

describe('formatCsvRow then openCsv', () => {
  const tricky = fc.constantFrom('a', 'Z', '"', ',', ';', '\t', '\n', '\r', '\r\n', ' ', 'é', '✓', '😀', '\uFEFF');
  const cell = fc.oneof(fc.string({ unit: tricky, maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 8 }));
  const rows = fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 });

  it('gives back the same cells, for any cells and delimiter (a row of several empty cells is a blank line)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(rows, fc.constantFrom(',', ';', '\t'), async (written, delimiter) => {
        const path = join(tmp.path, `round-trip-${run++}.csv`);
        await writeFile(path, `${written.map((cells) => formatCsvRow(cells, delimiter)).join('\n')}\n`);
        // Written `,,`: only delimiters, which the reader takes for a blank line (Excel's leftovers).
        const expected = written.filter((cells) => !(cells.length > 1 && cells.every((cell) => cell === '')));
        if (expected.length === 0) return void (await expect(openCsv(path, { delimiter })).rejects.toMatchObject({ code: 'FILE_INVALID' }));
        const source = await openCsv(path, { delimiter });
        const read = [source.header];
        for await (const record of source.records) read.push(record.cells);
        expect(read).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
