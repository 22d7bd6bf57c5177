import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callsPerJob, packSyncCalls, syncCallCount, syncCallsJobId, syncCallsJobOptions, syncCallsOf, type SyncCallsJobData, type SyncCallsPayload } from '../../jobs/sync-calls.job.js';

describe('sync-calls job', () => {
  it('packs up to 16 calls into a job, keeping at least 256 jobs for the concurrency slots', () => {
    expect([1, 255, 511, 512, 1_000, 4_095, 4_096, 198_670].map(callsPerJob)).toEqual([1, 1, 1, 2, 3, 15, 16, 16]);
  });

  it('derives its id from the import and batch number, and allows every call its attempts', () => {
    expect(syncCallsJobId('imp-1', 7)).toBe('imp-1-b7');
    expect(syncCallsJobOptions(8, 16).attempts).toBe(128);
    expect(syncCallsJobOptions(8).attempts).toBe(8);
  });
});

describe('sync-calls job data, packed', () => {
  const text = fc.oneof(fc.string(), fc.constantFrom('C-1', 'D,"x"', '', 'Zoë ✓', '[1,2]'));
  const fieldSets: Array<Record<string, string | number>> = [{}, { Contact_Role: '111111000000026002' }, { Contact_Role: 'Buyer', Price: 12.5 }];
  const entry = fc.record({ related: text, fields: fc.option(fc.constantFrom(...fieldSets), { nil: undefined }) });
  const call = fc.record({ base: text, entries: fc.array(entry, { minLength: 1, maxLength: 8 }) });
  const payload = fc.record({ importId: fc.constant('imp-1'), seq: fc.nat(), calls: fc.array(call, { maxLength: 6 }), firstRow: fc.integer({ min: 1, max: 10_000_000 }), gaps: fc.array(fc.integer({ min: -50_000, max: 50_000 }), { minLength: 60, maxLength: 60 }) });

  it('gives back the calls it packed, each entry with its row, related record and fields (none when empty)', () => {
    fc.assert(fc.property(payload, ({ importId, seq, calls, firstRow, gaps }) => {
      let row = firstRow;
      let k = 0;
      const original: SyncCallsPayload = {
        importId, seq,
        calls: calls.map((c) => ({ base: c.base, entries: c.entries.map((e) => {
          row = Math.max(1, row + (gaps[k++ % gaps.length] ?? 1));
          return e.fields === undefined ? { row, related: e.related } : { row, related: e.related, fields: e.fields };
        }) })),
      };
      const packed = packSyncCalls(original);
      // What Redis holds is its JSON, read back.
      const read = JSON.parse(JSON.stringify(packed)) as SyncCallsJobData;
      expect(read.calls).toBeUndefined();
      expect(syncCallCount(read)).toBe(original.calls.length);
      const expected = original.calls.map((c) => ({ base: c.base, entries: c.entries.map((e) => (e.fields && Object.keys(e.fields).length > 0 ? e : { row: e.row, related: e.related })) }));
      expect(syncCallsOf(read)).toEqual(expected);
    }), { numRuns: 500 });
  });

  it('reads data enqueued unpacked (by another producer, or before packing) as it is', () => {
    const calls = [{ base: 'C-1', entries: [{ row: 3, related: 'D-1', fields: { Contact_Role: 'x' } }] }];
    expect(syncCallsOf({ importId: 'imp-1', seq: 0, calls })).toBe(calls);
  });

  it('keeps delink calls (unlink, mirror) as they are: their op, related Zoho ids and removals survive the queue', () => {
    const payload: SyncCallsPayload = {
      importId: 'imp-1', seq: 0,
      calls: [
        { base: 'C-1', op: 'delink', entries: [{ row: 3, related: 'D-1', relatedId: '900000000000000001' }], removals: [{ related: 'D-9', relatedId: '900000000000000009' }] },
        { base: 'C-2', op: 'delink', entries: [], removals: [{ related: '', relatedId: '900000000000000010' }] },
      ],
    };
    const data = packSyncCalls(payload);
    expect(syncCallsOf(JSON.parse(JSON.stringify(data)) as SyncCallsJobData)).toEqual(payload.calls);
    expect(syncCallCount(data)).toBe(2);
  });

  it('writes relation fields once per job, not once per entry', () => {
    const fields = { Contact_Role: '111111000000026002' };
    const calls = Array.from({ length: 16 }, (_, c) => ({ base: `C-${c}`, entries: Array.from({ length: 5 }, (_, e) => ({ row: 1_000_000 + c * 5 + e, related: `D-00${c}${e}`, fields })) }));
    const data = JSON.stringify(packSyncCalls({ importId: 'imp-1', seq: 0, calls }));
    expect(data.split('111111000000026002')).toHaveLength(2);
    expect(data.length / 80).toBeLessThan(20); // bytes per entry
  });
});
