import { describe, expect, it } from 'vitest';
import type { CsvRecord } from '../../../src/csv/csv-reader.js';
import type { ColumnMap } from '../../../src/plan/column-map.js';
import { checkRow } from '../../../src/plan/row-check.js';

const map: ColumnMap = {
  base: 0,
  related: 1,
  fields: [['Contact_Role', 2], ['Note', 3]],
  width: 4,
  header: ['contact_ext_id', 'deal_ext_id', 'contact_role', 'note'],
};
const record = (cells: string[], extra: Partial<CsvRecord> = {}): CsvRecord => ({ row: 7, line: 9, cells, ...extra });

describe('checkRow', () => {
  it('returns trimmed ids and only the non-empty field values, trimmed', () => {
    expect(checkRow(record([' C-1 ', 'D-1\t', '  Buyer ', '']), map)).toEqual({
      ok: true,
      base: 'C-1',
      related: 'D-1',
      fields: [['Contact_Role', 'Buyer']],
    });
  });

  it('sends no value for a cell of spaces', () => {
    expect(checkRow(record(['C-1', 'D-1', '   ', 'n']), map)).toEqual({ ok: true, base: 'C-1', related: 'D-1', fields: [['Note', 'n']] });
  });

  it('passes on the reader\'s error as the outcome', () => {
    const error = { code: 'MALFORMED_ROW', message: 'a quote opened in this row (line 9) is never closed' };
    expect(checkRow(record([], { error }), map)).toEqual({
      ok: false,
      outcome: { row: 7, status: 'error', code: 'MALFORMED_ROW', message: 'a quote opened in this row (line 9) is never closed' },
    });
  });

  it('fails a row with too few cells as MALFORMED_ROW', () => {
    expect(checkRow(record(['C-1', 'D-1']), map)).toEqual({
      ok: false,
      outcome: { row: 7, status: 'error', code: 'MALFORMED_ROW', message: 'expected 4 cells, got 2' },
    });
  });

  it('fails a row with too many cells as MALFORMED_ROW, quoting the surplus', () => {
    expect(checkRow(record(['C-1', 'D-1', 'r', 'n', 'x', 'say "hi",\nbye']), map)).toEqual({
      ok: false,
      outcome: { row: 7, status: 'error', code: 'MALFORMED_ROW', message: 'expected 4 cells, got 6; surplus cells: "x", "say \\"hi\\",\\nbye"' },
    });
  });

  it('cuts a very long surplus quotation short', () => {
    const check = checkRow(record(['C-1', 'D-1', 'r', 'n', 'x'.repeat(5000)]), map);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.outcome.message.length).toBeLessThan(1100);
  });

  it('fails an empty base or related id as MISSING_VALUE naming the column', () => {
    expect(checkRow(record(['  ', 'D-1', '', '']), map)).toEqual({
      ok: false,
      outcome: { row: 7, status: 'error', code: 'MISSING_VALUE', message: 'contact_ext_id is empty' },
    });
    expect(checkRow(record(['C-1', '', '', '']), map)).toMatchObject({ outcome: { code: 'MISSING_VALUE', message: 'deal_ext_id is empty' } });
    expect(checkRow(record(['', '', '', '']), map)).toMatchObject({
      outcome: { code: 'MISSING_VALUE', message: 'contact_ext_id and deal_ext_id are empty' },
    });
  });

  it('names a column by position when the map carries no header', () => {
    const { header: _header, ...bare } = map;
    expect(checkRow(record(['C-1', ' ', '', '']), bare)).toMatchObject({ outcome: { message: 'column 2 is empty' } });
  });
});
