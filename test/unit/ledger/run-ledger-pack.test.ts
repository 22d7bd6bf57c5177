import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RowOutcome } from '../../../src/domain/row-outcome.js';
import { packOutcome, unpackOutcome } from '../../../src/ledger/run-ledger.js';

describe('packOutcome / unpackOutcome', () => {
  it('gives back the outcome it packed, whatever the text (quotes, backslashes, separators, unicode)', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom('', '","', '"', '\\', '\\",\\"', 'a"b', 'relation updated', 'Ünï 😀'));
    const outcome = fc.record({
      row: fc.integer({ min: 1, max: 10_000_000 }),
      status: fc.constantFrom('success', 'error', 'skipped'),
      code: text,
      message: text,
      zohoId: fc.option(fc.oneof(text.filter((t) => t !== ''), fc.constant('111111002000000001')), { nil: undefined }),
    });
    fc.assert(fc.property(outcome, (value) => {
      const expected: RowOutcome = value.zohoId === undefined ? { row: value.row, status: value.status, code: value.code, message: value.message } : (value as RowOutcome);
      expect(unpackOutcome(value.row, packOutcome(value as RowOutcome))).toEqual(expected);
    }), { numRuns: 2_000 });
  });

  it('reads a success as the sync worker stores it', () => {
    const packed = packOutcome({ row: 7, status: 'success', code: 'SUCCESS', message: 'relation updated', zohoId: '111111002000000001' });
    expect(packed).toBe('["s","SUCCESS","relation updated","111111002000000001"]');
    expect(unpackOutcome(7, packed)).toEqual({ row: 7, status: 'success', code: 'SUCCESS', message: 'relation updated', zohoId: '111111002000000001' });
  });
});
