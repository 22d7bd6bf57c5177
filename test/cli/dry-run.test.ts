/**
 * `relsync import --dry-run` in-process, without Redis or Zoho: lookups cannot be read, so names pass
 * through unchecked and the output says so; typed values are checked all the same.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDryRun } from '../../src/cli/commands/dry-run-command.js';
import { loadConfig } from '../../src/config/config.js';
import { captureIO } from '../helpers/cli-io.js';
import { readReport } from '../helpers/reports.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tmp = useTempDir('relsync-dry-run-');

describe('import --dry-run', () => {
  it('passes a lookup column\'s names through unchecked and says so', async () => {
    await writeFile(join(tmp.path, 'roles.csv'), 'contact_ext_id,deal_ext_id,contact_role\nC-1,D-1,No Such Role\nC-1,D-2,111111000000026002\n');
    const io = captureIO(tmp.path);
    expect(await runDryRun(io, loadConfig({}, { cwd: tmp.path }), 'roles.csv', { profile: 'contacts-deals' })).toBe(0);
    expect(io.out()).toContain('  lookups not checked:   contact_role (contact-roles): a dry run has no Zoho, so names pass as written (relsync check --file resolves them)\n');
    const report = await readReport(join(tmp.path, 'reports', 'roles.dry-run.csv'));
    expect(report.map((line) => line._code)).toEqual(['DRY_RUN', 'DRY_RUN']);
  });

  it('fails a price that is not a non-negative decimal INVALID_VALUE, and has nothing to say about lookups', async () => {
    await writeFile(join(tmp.path, 'prices.csv'), 'product_ext_id,price_book_ext_id,list_price\nP-1,PB-1,12.50\nP-1,PB-2,-1\n');
    const io = captureIO(tmp.path);
    expect(await runDryRun(io, loadConfig({}, { cwd: tmp.path }), 'prices.csv', { profile: 'products-price-books' })).toBe(2);
    expect(io.out()).not.toContain('lookups');
    const report = await readReport(join(tmp.path, 'reports', 'prices.dry-run.csv'));
    expect(report.map((line) => [line._code, line._message])).toEqual([
      ['DRY_RUN', 'valid: would be sent (dry run)'],
      ['INVALID_VALUE', "list_price: expected a price: a non-negative decimal such as 12.5, got '-1'"],
    ]);
  });
});
