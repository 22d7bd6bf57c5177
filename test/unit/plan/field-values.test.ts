import { describe, expect, it } from 'vitest';
import type { CsvRecord } from '../../../src/csv/csv-reader.js';
import type { ColumnMap } from '../../../src/plan/column-map.js';
import { ProfileFieldReader } from '../../../src/plan/field-values.js';
import { LookupTable } from '../../../src/plan/lookup-table.js';
import { checkRow } from '../../../src/plan/row-check.js';

const profile = {
  fields: {
    Contact_Role: { column: 'contact_role', lookup: 'contact-roles' as const },
    Member_Status: { column: 'member_status', lookup: 'member-status' as const },
    list_price: { column: 'list_price', type: 'price' as const },
    Note: 'note',
  },
};
const map: ColumnMap = {
  base: 0, related: 1, width: 6,
  fields: [['Contact_Role', 2], ['Member_Status', 3], ['list_price', 4], ['Note', 5]],
  header: ['contact_ext_id', 'deal_ext_id', 'contact_role', 'member_status', 'list_price', 'note'],
};
const tables = new Map([
  ['contact-roles' as const, new LookupTable('contact role', [{ value: '111111000000026002', label: 'Decision Maker' }])],
  ['member-status' as const, new LookupTable('member status', [{ value: 'Active', label: 'Active' }])],
]);
const record = (cells: string[]): CsvRecord => ({ row: 3, line: 4, cells });

describe('ProfileFieldReader', () => {
  it('sends a price as a JSON number, a name as the id its table maps it to, an id as it is, text as text', () => {
    const reader = new ProfileFieldReader(profile, tables);
    expect(checkRow(record(['C-1', 'D-1', ' decision maker ', 'ACTIVE', ' 12.50 ', 'x']), map, reader)).toEqual({
      ok: true, base: 'C-1', related: 'D-1',
      fields: [['Contact_Role', '111111000000026002'], ['Member_Status', 'Active'], ['list_price', 12.5], ['Note', 'x']],
    });
    expect(checkRow(record(['C-1', 'D-1', '999', '', '0', '']), map, reader)).toMatchObject({ ok: true, fields: [['Contact_Role', '999'], ['list_price', 0]] });
  });

  it('accepts a price only as a non-negative decimal', () => {
    const reader = new ProfileFieldReader(profile, tables);
    for (const good of ['12', '12.5', '0.50', '007']) expect(reader.read('list_price', good), good).toMatchObject({ ok: true, value: Number(good) });
    for (const bad of ['-0.5', '1e3', '1,5', '12.', '.5', '$12', '12.5.1', '1 000', 'Infinity', 'NaN', '0x10', '1'.repeat(400)]) {
      expect(reader.read('list_price', bad), bad).toMatchObject({ ok: false, code: 'INVALID_VALUE' });
    }
  });

  it('makes a bad cell the row\'s error, naming its column: INVALID_VALUE or LOOKUP_FAILED', () => {
    const reader = new ProfileFieldReader(profile, tables);
    expect(checkRow(record(['C-1', 'D-1', '', '', '12,5', '']), map, reader)).toEqual({
      ok: false, outcome: { row: 3, status: 'error', code: 'INVALID_VALUE', message: "list_price: expected a price: a non-negative decimal such as 12.5, got '12,5'" },
    });
    expect(checkRow(record(['C-1', 'D-1', 'Decider', '', '', '']), map, reader)).toEqual({
      ok: false, outcome: { row: 3, status: 'error', code: 'LOOKUP_FAILED', message: "contact_role: 'Decider' is not a known contact role; closest: 'Decision Maker'" },
    });
  });

  it('passes names through as written when the tables are unchecked (a dry run)', () => {
    const reader = new ProfileFieldReader(profile, 'unchecked');
    expect(checkRow(record(['C-1', 'D-1', 'Decider', 'whatever', '1', '']), map, reader)).toMatchObject({ ok: true, fields: [['Contact_Role', 'Decider'], ['Member_Status', 'whatever'], ['list_price', 1]] });
    expect(reader.lookupFields().map((spec) => spec.column)).toEqual(['contact_role', 'member_status']);
  });

  it('needs a table only once a cell holds a name: ids and empty cells need none', () => {
    const reader = new ProfileFieldReader(profile, new Map());
    expect(reader.tablesNeeded([record(['C', 'D', '111', '', '', '']), record(['C', 'D', ' ', '', '', ''])], map, new Set())).toEqual([]);
    expect(reader.tablesNeeded([record(['C', 'D', '111', 'Sent', '', '']), record(['C', 'D', 'Buyer', '', '', ''])], map, new Set())).toEqual(['contact-roles', 'member-status']);
    expect(reader.tablesNeeded([record(['C', 'D', 'Buyer', 'Sent', '', ''])], map, new Set(['contact-roles']))).toEqual(['member-status']);
  });
});
