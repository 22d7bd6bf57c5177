import { describe, expect, it } from 'vitest';
import { diffBase, type LinkNow } from '../../../src/plan/link-diff.js';

const entry = (row: number, related: string, fields: Record<string, string | number> = {}) => ({ row, related, fields });
const link = (id: string, related: string | null, fields: Record<string, string | null> = {}): LinkNow => ({ id, related, fields });

describe('diffBase', () => {
  it('mirror: adds what is not linked, updates what differs, leaves what is equal, removes what the file does not name', () => {
    const diff = diffBase('mirror', [entry(1, 'D-1', { Contact_Role: 'R1' }), entry(2, 'D-2', { Contact_Role: 'R2' }), entry(3, 'D-3')], [
      link('901', 'D-1', { Contact_Role: 'R1' }), link('902', 'D-2', { Contact_Role: 'R1' }), link('904', 'D-4'), link('905', null),
    ]);
    expect(diff.put.map((e) => e.row)).toEqual([2, 3]);
    expect({ added: diff.added, updated: diff.updated }).toEqual({ added: 1, updated: 1 });
    expect(diff.settled).toEqual([{ row: 1, status: 'skipped', code: 'UNCHANGED', message: 'already linked with the same values: nothing sent', zohoId: '901' }]);
    expect(diff.removals).toEqual([{ related: 'D-4', relatedId: '904' }, { related: '', relatedId: '905' }]);
  });

  it('mirror: an empty cell cannot differ; a price compares as a number; a link named but for case is never removed', () => {
    const diff = diffBase('mirror', [entry(1, 'P-1'), entry(2, 'P-2', { list_price: 12.5 }), entry(3, 'd-77')], [
      link('1', 'P-1', { list_price: '3' }), link('2', 'P-2', { list_price: '12.50' }), link('77', 'D-77'),
    ]);
    expect(diff.settled.map((o) => [o.row, o.code])).toEqual([[1, 'UNCHANGED'], [2, 'UNCHANGED']]);
    expect(diff.put.map((e) => e.row)).toEqual([3]);
    expect(diff.removals).toEqual([]);
  });

  it('unlink: delinks linked pairs by their Zoho id and skips the others NOT_LINKED', () => {
    const diff = diffBase('unlink', [entry(1, 'D-1'), entry(2, 'D-9')], [link('901', 'D-1'), link('902', 'D-2')]);
    expect(diff.delink).toEqual([{ row: 1, related: 'D-1', relatedId: '901' }]);
    expect(diff.settled).toEqual([{ row: 2, status: 'skipped', code: 'NOT_LINKED', message: 'not linked: nothing to remove' }]);
    expect(diff.removals).toEqual([]);
    expect(diff.put).toEqual([]);
  });
});
