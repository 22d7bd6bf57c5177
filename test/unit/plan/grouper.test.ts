import { describe, expect, it } from 'vitest';
import { MAX_ENTRIES_PER_CALL } from '../../../jobs/sync-calls.job.js';
import { FieldSetTable } from '../../../src/plan/field-set-table.js';
import { Grouper, pairNameOf, type PlannedCall } from '../../../src/plan/grouper.js';
import { BUILTIN_PROFILES, type Profile } from '../../../src/profile/profile.js';

const role = (value: string): Array<[string, string]> => [['Contact_Role', value]];

function callsOf(grouper: Grouper): PlannedCall[] {
  return [...grouper.finish().calls];
}

describe('Grouper', () => {
  it('splits a base with 250 related rows into calls of 100, 100 and 50 in input order', () => {
    const grouper = new Grouper();
    for (let row = 1; row <= 250; row++) grouper.add(row, 'C-1', `D-${row}`, []);
    const plan = grouper.finish();
    const calls = [...plan.calls];
    expect(MAX_ENTRIES_PER_CALL).toBe(100);
    expect(calls.map((c) => [c.base, c.seq, c.entries.length])).toEqual([['C-1', 0, 100], ['C-1', 1, 100], ['C-1', 2, 50]]);
    expect(calls.flatMap((c) => c.entries.map((e) => e.row))).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(plan).toMatchObject({ baseRecords: 1, callCount: 3, superseded: [] });
  });

  it('keeps separate bases in separate calls, in order of first appearance', () => {
    const grouper = new Grouper();
    grouper.add(1, 'C-2', 'D-1', role('Buyer'));
    grouper.add(2, 'C-1', 'D-2', []);
    grouper.add(3, 'C-2', 'D-3', role('Buyer'));
    grouper.add(5, 'C-3', 'D-1', role('Seller'));
    expect(callsOf(grouper)).toEqual([
      { base: 'C-2', seq: 0, entries: [{ row: 1, related: 'D-1', fields: { Contact_Role: 'Buyer' } }, { row: 3, related: 'D-3', fields: { Contact_Role: 'Buyer' } }] },
      { base: 'C-1', seq: 1, entries: [{ row: 2, related: 'D-2', fields: {} }] },
      { base: 'C-3', seq: 2, entries: [{ row: 5, related: 'D-1', fields: { Contact_Role: 'Seller' } }] },
    ]);
  });

  it('sends only the last row of a repeated pair and skips the earlier ones as DUPLICATE_PAIR', () => {
    const grouper = new Grouper({ pairName: 'contact and deal' });
    grouper.add(2, 'C-1', 'D-1', role('Buyer'));
    grouper.add(3, 'C-1', 'D-2', []);
    grouper.add(5, 'C-2', 'D-1', []); // same related, other base: not a duplicate
    grouper.add(9, 'C-1', 'D-1', role('Seller'));
    grouper.add(17, 'C-1', 'D-1', role('Owner'));
    const plan = grouper.finish();
    expect(plan.superseded).toEqual([
      { row: 2, status: 'skipped', code: 'DUPLICATE_PAIR', message: 'superseded by row 17 (same contact and deal)' },
      { row: 9, status: 'skipped', code: 'DUPLICATE_PAIR', message: 'superseded by row 17 (same contact and deal)' },
    ]);
    expect([...plan.calls]).toEqual([
      { base: 'C-1', seq: 0, entries: [{ row: 3, related: 'D-2', fields: {} }, { row: 17, related: 'D-1', fields: { Contact_Role: 'Owner' } }] },
      { base: 'C-2', seq: 1, entries: [{ row: 5, related: 'D-1', fields: {} }] },
    ]);
    expect(plan.callCount).toBe(2);
  });

  it('counts calls after dropping duplicates', () => {
    const grouper = new Grouper();
    for (let row = 1; row <= 101; row++) grouper.add(row, 'C-1', row === 101 ? 'D-1' : `D-${row}`, []);
    const plan = grouper.finish();
    expect(plan.callCount).toBe(1);
    expect([...plan.calls].map((c) => c.entries.length)).toEqual([100]);
  });

  it('gives the same calls and numbering on every iteration and for the same input', () => {
    const build = (): Grouper => {
      const grouper = new Grouper({ maxEntriesPerCall: 3 });
      for (let row = 1; row <= 40; row++) grouper.add(row, `C-${row % 4}`, `D-${row % 11}`, role(`r${row % 2}`));
      return grouper;
    };
    const grouper = build();
    const first = callsOf(grouper);
    expect([...grouper.finish().calls]).toEqual(first);
    expect(callsOf(build())).toEqual(first);
    expect(first.map((c) => c.seq)).toEqual(first.map((_, i) => i));
  });

  it('keeps unicode ids and field values intact', () => {
    const grouper = new Grouper();
    grouper.add(1, 'Zoë', 'Dëal ✓ 😀', role('Décideur'));
    expect(callsOf(grouper)).toEqual([{ base: 'Zoë', seq: 0, entries: [{ row: 1, related: 'Dëal ✓ 😀', fields: { Contact_Role: 'Décideur' } }] }]);
  });

  it('refuses rows out of input order, and adds after finish', () => {
    const grouper = new Grouper();
    grouper.add(5, 'C-1', 'D-1', []);
    expect(() => grouper.add(5, 'C-1', 'D-2', [])).toThrow(RangeError);
    grouper.finish();
    expect(() => grouper.add(6, 'C-1', 'D-2', [])).toThrow('Grouper.add after finish');
  });

  it('refuses a call size Zoho would not take', () => {
    expect(() => new Grouper({ maxEntriesPerCall: 101 })).toThrow(RangeError);
  });

  it('plans nothing for no rows', () => {
    expect(new Grouper().finish()).toMatchObject({ superseded: [], baseRecords: 0, callCount: 0 });
  });
});

describe('pairNameOf', () => {
  it('names a pair by one record of each module', () => {
    expect(pairNameOf(BUILTIN_PROFILES['contacts-deals'] as Profile)).toBe('contact and deal');
    const profile: Profile = { module: 'Opportunities', relatedList: 'Price_Books', base: { column: 'a' }, related: { column: 'b', module: 'Price_Books' }, fields: {} };
    expect(pairNameOf(profile)).toBe('opportunity and price book');
  });
});

describe('FieldSetTable', () => {
  it('gives the same id to the same pairs and none to an empty set', () => {
    const table = new FieldSetTable();
    const a = table.intern([['Contact_Role', 'Buyer']]);
    expect(table.intern([['Contact_Role', 'Buyer']])).toBe(a);
    expect(table.intern([['Contact_Role', 'Seller']])).not.toBe(a);
    expect(table.intern([])).toBe(0);
    expect(table.get(0)).toEqual({});
    expect(table.get(a)).toEqual({ Contact_Role: 'Buyer' });
  });

  it('tells apart sets whose joined text would be the same', () => {
    const table = new FieldSetTable();
    const one = table.intern([['A', '1:B1:2']]);
    const two = table.intern([['A', '1'], ['B', '2']]);
    expect(one).not.toBe(two);
    expect([table.get(one), table.get(two)]).toEqual([{ A: '1:B1:2' }, { A: '1', B: '2' }]);
  });

  it('keeps values exact once past the shared sets, colons and unicode included', () => {
    const table = new FieldSetTable(2);
    table.intern([['A', 'x']]);
    const late = table.intern([['A', 'v:12:'], ['Note', 'Zoë 😀']]);
    expect(late).toBe(2);
    expect(table.get(late)).toEqual({ A: 'v:12:', Note: 'Zoë 😀' });
    table.seal();
    expect(table.get(1)).toEqual({ A: 'x' });
  });
});

describe('FieldSetTable values', () => {
  it('keeps a number a number, and tells 12 from \'12\'', () => {
    const table = new FieldSetTable(2);
    const number = table.intern([['list_price', 12]]);
    const text = table.intern([['list_price', '12']]);
    const unshared = table.intern([['list_price', 12.5], ['Note', '3#x']]);
    expect(new Set([number, text, unshared]).size).toBe(3);
    expect([table.get(number), table.get(text), table.get(unshared)]).toStrictEqual([{ list_price: 12 }, { list_price: '12' }, { list_price: 12.5, Note: '3#x' }]);
  });
});
