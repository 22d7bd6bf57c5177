import { inflateRawSync } from 'node:zlib';
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
      expect(read.packed === undefined).toBe(read.deflated !== undefined);
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

  it('writes relation fields once per job, not once per entry, and deflates the packed columns', () => {
    const fields = { Contact_Role: '111111000000026002' };
    const calls = Array.from({ length: 16 }, (_, c) => ({ base: `C-${c}`, entries: Array.from({ length: 5 }, (_, e) => ({ row: 1_000_000 + c * 5 + e, related: `D-00${c}${e}`, fields })) }));
    const data = packSyncCalls({ importId: 'imp-1', seq: 0, calls });
    expect(data.packed).toBeUndefined();
    const text = inflateRawSync(Buffer.from(data.deflated!, 'base64')).toString('utf8');
    expect(text.split('111111000000026002')).toHaveLength(2);
    expect(JSON.stringify(data).length / 80).toBeLessThan(10); // bytes per entry, deflated
  });
});

describe('sync-calls job data, deflated', () => {
  /** What the sync worker reads: the data's JSON as Redis holds it, parsed. */
  const viaRedis = (data: SyncCallsJobData): SyncCallsJobData => JSON.parse(JSON.stringify(data)) as SyncCallsJobData;
  const roles: Array<Record<string, string | number>> = [{ Contact_Role: '4876876000000006871' }, { Contact_Role: '4876876000000006873' }, { Contact_Role: 'Décideur ✓', Price: 12.5 }];

  it('keeps a one-row job packed but not deflated, where DEFLATE would make it longer', () => {
    const payload: SyncCallsPayload = { importId: 'imp-1', seq: 3, calls: [{ base: 'C-1', entries: [{ row: 7, related: 'D-1', fields: roles[0]! }] }] };
    const data = packSyncCalls(payload);
    expect(data.deflated).toBeUndefined();
    expect(data.summary).toBeUndefined();
    expect(data.packed).toBeDefined();
    expect(syncCallsOf(viaRedis(data))).toEqual(payload.calls);
  });

  it('deflates a call of 100 entries, with every role, large ids and non-ASCII values, and gives it back as it was', () => {
    const entries = Array.from({ length: 100 }, (_, i) => ({ row: 9_999_000 + ((i * 7919) % 1_000), related: i % 3 === 0 ? `Zoë-${i} ✓ "quoted", comma` : String(4876876000000006871n + BigInt(i) * 1_000_003n), fields: roles[i % roles.length]! }));
    const payload: SyncCallsPayload = { importId: 'imp-long-id-0123456789', seq: 4_000_000, calls: [{ base: '4876876000000123456', entries }] };
    const data = packSyncCalls(payload);
    expect(data.packed).toBeUndefined();
    expect(data.deflated).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(data.summary).toBe(`1 call, 100 rows (rows ${Math.min(...entries.map((e) => e.row))} to ${Math.max(...entries.map((e) => e.row))})`);
    expect(JSON.stringify(data).length).toBeLessThan(JSON.stringify({ importId: payload.importId, seq: payload.seq, packed: packedLayout(payload) }).length);
    const read = viaRedis(data);
    expect(syncCallsOf(read)).toEqual(payload.calls);
    expect(syncCallCount(read)).toBe(1);
  });

  it('gives back every call of a 16-call job in order, with rows going down as well as up', () => {
    const calls = Array.from({ length: 16 }, (_, c) => ({ base: `C-${String(15 - c).padStart(7, '0')}`, entries: Array.from({ length: 1 + (c % 6) }, (_, e) => ({ row: 1 + ((c * 104_729 + e * 7_907) % 2_000_000), related: `D-${String(c * 31 + e).padStart(6, '0')}`, ...(e % 2 === 0 ? { fields: roles[(c + e) % roles.length]! } : {}) })) }));
    const data = packSyncCalls({ importId: 'imp-1', seq: 9, calls });
    expect(data.deflated).toBeDefined();
    expect(data.summary).toMatch(/^16 calls, 52 rows \(rows \d+ to \d+\)$/);
    expect(syncCallsOf(viaRedis(data))).toEqual(calls);
    expect(syncCallCount(viaRedis(data))).toBe(16);
  });

  it('still reads a job enqueued packed but not deflated (by the version before)', () => {
    const data: SyncCallsJobData = { importId: 'imp-1', seq: 0, packed: { fields: [{}, { Contact_Role: 'x' }], bases: ['C-1', 'C-2'], sizes: [2, 1], rows: '5,-2,a', related: ['D-1', 'D-2', 'D-3'], sets: '1,0,1' } };
    expect(syncCallsOf(data)).toEqual([
      { base: 'C-1', entries: [{ row: 5, related: 'D-1', fields: { Contact_Role: 'x' } }, { row: 3, related: 'D-2' }] },
      { base: 'C-2', entries: [{ row: 13, related: 'D-3', fields: { Contact_Role: 'x' } }] },
    ]);
  });

  it('refuses a deflated text that is not one, rather than reading no calls', () => {
    expect(() => syncCallsOf({ importId: 'imp-1', seq: 0, deflated: 'bm90IGRlZmxhdGVk' })).toThrow();
  });
});

/** The packed columns of a payload, as the layout before deflating held them. */
function packedLayout(payload: SyncCallsPayload): unknown {
  const data = packSyncCalls(payload);
  return data.packed ?? JSON.parse(inflateRawSync(Buffer.from(data.deflated!, 'base64')).toString('utf8'));
}
