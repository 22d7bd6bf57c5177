/**
 * The limits that protect a worker (RELSYNC_MAX_FILE_BYTES, RELSYNC_MAX_ROWS, RELSYNC_MAX_FIELD_BYTES):
 * a file over one fails its import with one line naming the limit and its variable, sends nothing,
 * and the same worker runtime goes on importing; a file at the limit passes.
 */
import { realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { runImportJob } from '../helpers/import-jobs.js';

const HEADER = 'contact_ext_id,deal_ext_id,contact_role,note\n';
const rows = (count: number, note = ''): string => Array.from({ length: count }, (_, i) => `C-03${String(i).padStart(2, '0')},D-0300,,${note}\n`).join('');

describe('worker limits', () => {
  let h: Harness;
  let root: string;
  beforeAll(async () => {
    h = await startHarness({ env: { RELSYNC_MAX_FILE_BYTES: '400', RELSYNC_MAX_ROWS: '5', RELSYNC_MAX_FIELD_BYTES: '64' } });
    root = await realpath(h.dir);
  });
  afterAll(async () => {
    await h?.close();
  });

  /**
   * Queue and CLI both give the same line. `upFront`: the CLI gives it before registering anything, and
   * a queued job fails before its import is recorded (so there is no record to mark failed).
   */
  async function expectRefused(name: string, text: string, line: string, upFront: boolean, recorded = true): Promise<void> {
    await writeFile(join(root, name), text);
    const callsBefore = h.sim.counters.calls;
    const { reason, record } = await runImportJob(h, { source: { path: name }, profile: 'contacts-deals' });
    expect(reason).toBe(line);
    if (recorded) expect(record).toMatchObject({ state: 'failed', failedReason: line });
    else expect(record).toBeUndefined();
    expect(h.sim.counters.calls).toBe(callsBefore);
    if (upFront) await expect(h.importFile(join(root, name))).rejects.toMatchObject({ code: 'FILE_INVALID', message: line });
  }

  it('RELSYNC_MAX_FILE_BYTES: refuses a bigger file before reading it', async () => {
    const text = HEADER + rows(5, 'x'.repeat(60));
    expect(Buffer.byteLength(text)).toBeGreaterThan(400);
    await expectRefused('big.csv', text, `${join(root, 'big.csv')}: expected at most 400 bytes (RELSYNC_MAX_FILE_BYTES), got ${Buffer.byteLength(text)}`, true, false);
  });

  it('RELSYNC_MAX_ROWS: fails a file with more data rows while reading it, and takes one with exactly as many', async () => {
    await expectRefused('six-rows.csv', HEADER + rows(6), 'six-rows.csv: expected at most 5 data rows (RELSYNC_MAX_ROWS), got more', false);
    await writeFile(join(root, 'five-rows.csv'), HEADER + rows(5));
    expect((await runImportJob(h, { source: { path: 'five-rows.csv' }, profile: 'contacts-deals' })).summary).toMatchObject({ status: 'done', rows: 5, success: 5 });
  });

  it('RELSYNC_MAX_FIELD_BYTES: fails a file with a longer row, naming its line, and takes a row under it', async () => {
    const long = `${HEADER}C-0310,D-0300,,short\nC-0311,D-0300,,"${'z'.repeat(80)}"\n`;
    const line = `${join(root, 'long-field.csv')}: line 3: expected a row of at most 64 bytes (RELSYNC_MAX_FIELD_BYTES), got a longer one: a field that long, or a quote opened here and never closed; fix the file or raise RELSYNC_MAX_FIELD_BYTES`;
    await expectRefused('long-field.csv', long, line, true);
    await writeFile(join(root, 'under.csv'), `${HEADER}C-0312,D-0300,,"${'z'.repeat(40)}"\n`);
    expect((await runImportJob(h, { source: { path: 'under.csv' }, profile: 'contacts-deals' })).summary).toMatchObject({ status: 'done', rows: 1, success: 1 });
  });

  it('still imports a good file with the same worker runtime', async () => {
    await writeFile(join(root, 'good.csv'), HEADER + rows(2));
    expect(await h.waitDone(await h.importFile(join(root, 'good.csv')))).toMatchObject({ state: 'done', rows: 2, success: 2 });
  });
});
