/** Finalize on a real Redis: rows whose call failed for good still end with exactly one outcome. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RunLedger } from '../../src/ledger/run-ledger.js';
import { BUILTIN_PROFILES, type Profile } from '../../src/profile/profile.js';
import { finalizeImport } from '../../src/usecases/finalize-import.js';
import { testPrefix, useRedis } from '../helpers/redis.js';
import { readReport } from '../helpers/reports.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('finalizeImport', () => {
  const tmp = useTempDir('relsync-finalize-');
  const redis = useRedis();

  it('gives rows left without an outcome SYNC_FAILED, writes the report in input order and marks the import done', async () => {
    const ledger = new RunLedger(redis.client(), testPrefix());
    const source = join(tmp.path, 'in.csv');
    await writeFile(source, 'contact_ext_id,deal_ext_id,contact_role\n' + [1, 2, 3, 4, 5].map((i) => `C-${i},D-${i},`).join('\n') + '\n');
    await ledger.createImport({ id: 'imp-f', origin: 'cli', source, sourceName: 'in.csv', profileName: 'contacts-deals', profileJson: '{}' });
    await ledger.update('imp-f', { rows: 5 });
    // Recorded out of input order, as concurrent calls record them.
    await ledger.recordOutcomes('imp-f', [3, 1, 2].map((row) => ({ row, status: 'success' as const, code: 'SUCCESS', message: 'relation added', zohoId: `z${row}` })));
    const reportPath = join(tmp.path, 'out.report.csv');
    const summary = await finalizeImport({ ledger, log: pino({ level: 'silent' }) }, {
      importId: 'imp-f', sourcePath: source, profile: BUILTIN_PROFILES['contacts-deals'] as Profile, reportPath, csv: {},
    });
    expect(summary).toEqual({ importId: 'imp-f', status: 'done', rows: 5, success: 3, error: 2, skipped: 0, reportPath });
    expect((await ledger.getOutcomes('imp-f', [4, 5])).map((o) => o?.code)).toEqual(['SYNC_FAILED', 'SYNC_FAILED']);
    expect(await ledger.getImport('imp-f')).toMatchObject({ state: 'done', success: 3, error: 2, reportPath });
    const report = await readReport(reportPath);
    expect(report.map((line) => [line.contact_ext_id, line.deal_ext_id, line._row, line._status, line._code, line._zoho_id])).toEqual([
      ['C-1', 'D-1', '1', 'success', 'SUCCESS', 'z1'],
      ['C-2', 'D-2', '2', 'success', 'SUCCESS', 'z2'],
      ['C-3', 'D-3', '3', 'success', 'SUCCESS', 'z3'],
      ['C-4', 'D-4', '4', 'error', 'SYNC_FAILED', ''],
      ['C-5', 'D-5', '5', 'error', 'SYNC_FAILED', ''],
    ]);
  });

  it("gives the rows of a stopped import that have no outcome the stop's, even when it was never read, and counts them", async () => {
    const ledger = new RunLedger(redis.client(), testPrefix());
    const source = join(tmp.path, 'stopped.csv');
    await writeFile(source, 'contact_ext_id,deal_ext_id,contact_role\n' + [1, 2, 3, 4].map((i) => `C-${i},D-${i},`).join('\n') + '\n');
    const profile = BUILTIN_PROFILES['contacts-deals'] as Profile;
    const log = pino({ level: 'silent' });

    // Never ingested: no `rows`, no outcomes.
    await ledger.createImport({ id: 'imp-c', origin: 'cli', source, sourceName: 'stopped.csv', profileName: 'contacts-deals', profileJson: '{}' });
    await ledger.stopImport('imp-c', 'CANCELLED', 'cancelled with relsync cancel');
    const cancelled = await finalizeImport({ ledger, log }, { importId: 'imp-c', sourcePath: source, profile, reportPath: join(tmp.path, 'c.report.csv'), csv: {} });
    expect(cancelled).toMatchObject({ status: 'done', rows: 4, success: 0, error: 0, skipped: 4 });
    expect(await ledger.getImport('imp-c')).toMatchObject({ state: 'done', rows: 4, skipped: 4 });
    expect((await readReport(join(tmp.path, 'c.report.csv'))).map((l) => [l._status, l._code, l._message])).toEqual(Array(4).fill(['skipped', 'CANCELLED', 'cancelled with relsync cancel']));

    // Stopped mid-sync: rows sent keep their answers; the others are ABORTED, not SYNC_FAILED.
    await ledger.createImport({ id: 'imp-a', origin: 'cli', source, sourceName: 'stopped.csv', profileName: 'contacts-deals', profileJson: '{}' });
    await ledger.update('imp-a', { rows: 4 });
    await ledger.recordOutcomes('imp-a', [{ row: 2, status: 'error', code: 'INVALID_MODULE', message: 'the module name given seems to be invalid' }]);
    await ledger.stopImport('imp-a', 'ABORTED', 'every call would get INVALID_MODULE');
    const aborted = await finalizeImport({ ledger, log }, { importId: 'imp-a', sourcePath: source, profile, reportPath: join(tmp.path, 'a.report.csv'), csv: {} });
    expect(aborted).toMatchObject({ rows: 4, error: 1, skipped: 3 });
    expect((await readReport(join(tmp.path, 'a.report.csv'))).map((l) => l._code)).toEqual(['ABORTED', 'INVALID_MODULE', 'ABORTED', 'ABORTED']);
  });
});
