/**
 * Retry: a new import of only the rows of an earlier import that ended in error, with the same
 * profile, linked to it (`retryOf`). The rows are copied from the original file, cells unchanged, into
 * `<REPORT_DIR>/retries/<id>.retry-<time>.csv`, which becomes the new import's source.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { openCsv, type CsvReadOptions } from '../csv/csv-reader.js';
import { csvOptionsFor, storedProfile } from './import-record.js';
import { ErrorCodes, UserError } from '../errors.js';
import { formatCsvRow } from '../report/csv-format.js';
import { registerImport, type RegisterDeps } from './register-import.js';
import { localInput } from './shared-storage.js';

export async function retryImport(deps: RegisterDeps, importId: string, cwd: string): Promise<{ importId: string; reportPath: string; rows: number }> {
  const record = await deps.ledger.requireImport(importId);
  // A failed import is retried too: its rows in error include those it never sent (IMPORT_FAILED).
  if (record.state !== 'done' && record.state !== 'failed') throw new UserError(ErrorCodes.IMPORT_NOT_FINISHED, `${importId}: expected a finished import, got one that is ${record.state}`);
  if (record.source === '') throw new UserError(ErrorCodes.NOTHING_TO_RETRY, `${importId}: it failed before it had an input (${record.failedReason ?? 'no reason recorded'}); nothing to retry`);
  const rows = await deps.ledger.rowsWithStatus(importId, 'error');
  if (rows.length === 0) throw new UserError(ErrorCodes.NOTHING_TO_RETRY, `${importId}: no rows ended in error; nothing to retry`);
  const profile = storedProfile(record);
  const dir = join(deps.config.reportDir, 'retries');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${importId}.retry-${Date.now()}.csv`);
  await copyRows(await localInput(deps.config, record), file, new Set(rows), csvOptionsFor(profile, deps.config.limits));
  const registered = await registerImport(deps, {
    file, profile: { name: record.profileName, profile }, origin: 'retry', cwd, retryOf: importId,
    sourceName: `${record.sourceName} (errors of ${importId})`,
  });
  return { ...registered, rows: rows.length };
}

export async function copyRows(source: string, target: string, rows: ReadonlySet<number>, options: CsvReadOptions): Promise<void> {
  const { delimiter } = options;
  const csv = await openCsv(source, options);
  const out = createWriteStream(target, { encoding: 'utf8' });
  const write = async (line: string): Promise<void> => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  // UTF-8 with a BOM when the source had one (Excel reads accents right only then), and when it was
  // read as Windows-1252: the BOM wins over the profile's csv.encoding, as in the report.
  await write(`${csv.bom || csv.encoding === 'Windows-1252' ? '\uFEFF' : ''}${formatCsvRow(csv.header, delimiter)}`);
  for await (const record of csv.records) if (rows.has(record.row)) await write(formatCsvRow(record.cells, delimiter));
  out.end();
  await finished(out);
}
