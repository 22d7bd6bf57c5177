import { describe, expect, it } from 'vitest';
import type { CsvRecord } from '../../../src/csv/csv-reader.js';
import type { ColumnMap } from '../../../src/plan/column-map.js';
import { checkRow } from '../../../src/plan/row-check.js';

const record = (cells: string[]): CsvRecord => ({ row: 3, line: 4, cells });
const map = (header: string[]): ColumnMap => ({ base: 0, related: 1, fields: [['Contact_Role', 2]], width: header.length, header });

describe('checkRow and trailing delimiters', () => {
  it('reads a row whose extra cells are all empty (a trailing delimiter on the row)', () => {
    expect(checkRow(record(['C-1', 'D-1', 'r', '', '']), map(['c', 'd', 'role']))).toEqual({ ok: true, base: 'C-1', related: 'D-1', fields: [['Contact_Role', 'r']] });
  });

  it('reads a row that lacks only cells under unnamed columns (a trailing delimiter on the header)', () => {
    expect(checkRow(record(['C-1', 'D-1', 'r']), map(['c', 'd', 'role', '', ' ']))).toMatchObject({ ok: true, base: 'C-1' });
  });

  it('still fails a surplus that holds anything, even a space, and a row lacking a named cell', () => {
    expect(checkRow(record(['C-1', 'D-1', 'r', ' ']), map(['c', 'd', 'role']))).toMatchObject({ ok: false, outcome: { code: 'MALFORMED_ROW', message: 'expected 3 cells, got 4; surplus cells: " "' } });
    expect(checkRow(record(['C-1', 'D-1', 'r']), map(['c', 'd', 'role', 'note']))).toMatchObject({ ok: false, outcome: { code: 'MALFORMED_ROW', message: 'expected 4 cells, got 3' } });
  });
});
