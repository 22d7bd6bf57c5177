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
});
