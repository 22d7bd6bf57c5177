import { describe, expect, it } from 'vitest';
import { callsPerJob, syncCallsJobId, syncCallsJobOptions } from '../../jobs/sync-calls.job.js';

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
