import { describe, expect, it } from 'vitest';
import { editDistance, LookupTable, nameKey } from '../../../src/plan/lookup-table.js';

const ROLES = new LookupTable('contact role', [
  { value: '111111000000026002', label: 'Decision Maker' },
  { value: '111111000000026004', label: 'Purchasing' },
  { value: '111111000000026006', label: 'Evaluator' },
  { value: '111111000000026008', label: 'Technical Buyer' },
  { value: '111111000000026016', label: 'Economic Decision Maker' },
]);

describe('LookupTable', () => {
  it('maps a name to its value whatever its case and spaces, and an id to itself', () => {
    for (const cell of ['Decision Maker', 'decision maker', 'DECISIONMAKER', 'Decision   Maker', 'decision\tmaker']) {
      expect(ROLES.resolve(cell), cell).toEqual({ ok: true, value: '111111000000026002' });
    }
    expect(ROLES.resolve('111111000000026008')).toEqual({ ok: true, value: '111111000000026008' });
  });

  it('fails a name it does not know, naming the value and the three closest names, nearest first', () => {
    expect(ROLES.resolve('Decison Maker')).toEqual({
      ok: false,
      message: "'Decison Maker' is not a known contact role; closest: 'Decision Maker', 'Evaluator', 'Technical Buyer'",
    });
    expect(ROLES.resolve('123')).toMatchObject({ ok: false, message: expect.stringMatching(/^'123' is not a known contact role; closest: /) });
  });

  it('says so when two values share a name, and when Zoho lists none', () => {
    const twins = new LookupTable('member status', [{ value: 'Sent', label: 'Sent' }, { value: 'SENT ', label: 'sent' }]);
    expect(twins.resolve('s e n t')).toEqual({ ok: false, message: "'s e n t' names more than one member status: 'Sent' (Sent), 'sent' (SENT ); write the id instead" });
    expect(twins.resolve('Sent')).toEqual({ ok: true, value: 'Sent' });
    expect(new LookupTable('contact role', []).resolve('Buyer')).toEqual({ ok: false, message: "'Buyer' is not a known contact role: Zoho lists none" });
  });

  it('matches a picklist by its actual value as well as its display value', () => {
    const statuses = new LookupTable('member status', [{ value: 'Opted Out', label: 'Opted out of mails' }]);
    expect(statuses.resolve('optedout')).toEqual({ ok: true, value: 'Opted Out' });
    expect(statuses.resolve('opted out of MAILS')).toEqual({ ok: true, value: 'Opted Out' });
  });
});

describe('nameKey and editDistance', () => {
  it('compare names without case or whitespace, by Levenshtein distance', () => {
    expect(nameKey(' Décision\u00a0 Maker ')).toBe('décisionmaker');
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

describe('LookupTable with an id pattern', () => {
  it('matches a cell of the id form only as an id', () => {
    const roles = new LookupTable('contact role', [{ value: '111111000000026002', label: 'Decision Maker' }], /^\d+$/);
    expect(roles.resolve('111111000000026002')).toEqual({ ok: true, value: '111111000000026002' });
    expect(roles.resolve('111111000000026003')).toEqual({ ok: false, message: "'111111000000026003' is not the id of a known contact role" });
    expect(roles.resolve('decision maker')).toEqual({ ok: true, value: '111111000000026002' });
  });
});
