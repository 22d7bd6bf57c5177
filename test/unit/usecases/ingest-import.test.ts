/**
 * Ingest's packing of calls into jobs, and the rows' byte ranges it records for the report: the same
 * file makes the same jobs (a re-run after a crash adds nothing new), every call in exactly one job in
 * order, the import's last calls one to a job (no slot idles through a whole job at the end).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { callsPerJob, singleCallTail, type SyncCallsPayload } from '../../../jobs/sync-calls.job.js';
import { RowOffsets, rowOffsetsPath } from '../../../src/csv/row-offsets.js';
import type { RowOutcome } from '../../../src/domain/row-outcome.js';
import { loadProfile } from '../../../src/profile/profile.js';
import { ingestImport } from '../../../src/usecases/ingest-import.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const tmp = useTempDir('relsync-ingest-');

async function ingest(path: string, rowOffsets?: string): Promise<SyncCallsPayload[]> {
  const jobs: SyncCallsPayload[] = [];
  const ledger = { recordOutcomes: async (_id: string, list: readonly RowOutcome[]) => list.length, recordMarked: async () => 0, update: async () => undefined, planRemovals: async () => 0, increment: async () => undefined };
  await ingestImport({ ledger, log: pino({ level: 'silent' }), limits: { maxRows: 1_000_000, maxFieldBytes: 1 << 20 }, lookups: 'unchecked' }, {
    importId: 'imp-1', sourcePath: path, sourceName: 'pairs.csv', profile: await loadProfile('contacts-deals'), rowOffsets,
    enqueue: async (group) => void jobs.push(...structuredClone(group)),
    enqueueCalls: 50,
  });
  return jobs;
}

describe('ingestImport', () => {
  it('packs calls into jobs of callsPerJob calls, the last singleCallTail one to a job, the same every run', async () => {
    const calls = 1_300; // one contact per row: a call each
    const path = join(tmp.path, 'pairs.csv');
    await writeFile(path, `contact_ext_id,deal_ext_id,contact_role\n${Array.from({ length: calls }, (_, i) => `C-${i},D-${i},`).join('\n')}\n`);
    const jobs = await ingest(path);
    const perJob = callsPerJob(calls);
    const tail = singleCallTail(calls);
    expect(perJob).toBeGreaterThan(1);
    expect(tail).toBe(perJob * 25);
    expect(jobs.map((job) => job.seq)).toEqual(jobs.map((_, i) => i));
    expect(jobs.flatMap((job) => job.calls.map((call) => call.base))).toEqual(Array.from({ length: calls }, (_, i) => `C-${i}`));
    const sizes = jobs.map((job) => job.calls.length);
    expect(sizes.slice(-tail)).toEqual(Array(tail).fill(1));
    expect(sizes.slice(0, -tail).every((size) => size === perJob)).toBe(true);
    expect(await ingest(path)).toEqual(jobs);
  });

  it("records each row's byte range beside the input when asked", async () => {
    const path = join(tmp.path, 'ranges.csv');
    const text = 'contact_ext_id,deal_ext_id,contact_role\r\nC-1,D-1,\r\n\r\nC-2,"D,2",x\r\nC-3\r\n';
    await writeFile(path, text);
    await ingest(path, rowOffsetsPath(path));
    const offsets = (await RowOffsets.open(rowOffsetsPath(path), { path, delimiter: ',' }))!;
    expect(offsets.rows).toBe(3);
    const bytes = await readFile(path);
    const ranges = Array.from({ length: 3 }, () => {
      const range = { start: 0, end: 0, copyable: true };
      offsets.next(range);
      return [bytes.subarray(range.start, range.end).toString(), range.copyable];
    });
    expect(ranges).toEqual([['C-1,D-1,\r\n', true], ['\r\nC-2,"D,2",x\r\n', true], ['C-3\r\n', false]]);
  });
});
