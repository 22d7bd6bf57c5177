/**
 * The first step of every import, whoever started it: resolve the source and the profile, create the
 * ledger record (unless the CLI already did), and decide where the report goes.
 */
import { basename, join } from 'node:path';
import type { ImportJobPayload } from '../../jobs/import.job.js';
import type { Config } from '../config/config.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { materializeSource, resolveProfile } from './resolve-source.js';

export interface StartedImport { sourcePath: string; reportPath: string }

export function defaultReportPath(config: Config, importId: string): string {
  return join(config.reportDir, `${importId}.report.csv`);
}

export async function startImport(deps: { config: Config; ledger: RunLedger }, importId: string, payload: ImportJobPayload): Promise<StartedImport> {
  const { config, ledger } = deps;
  const existing = await ledger.getImport(importId);
  const reportPath = payload.reportPath ?? existing?.reportPath ?? defaultReportPath(config, importId);
  if (existing) return { sourcePath: existing.source, reportPath };
  const sourcePath = await materializeSource(payload.source, {
    importId,
    importRoot: config.importRoot,
    spoolDir: join(config.reportDir, '.spool'),
    // Paths from other services are confined to IMPORT_ROOT; our own producers resolved theirs already.
    confine: (payload.origin ?? 'queue') === 'queue',
    limits: config.limits,
  });
  const { name, profile } = await resolveProfile(payload.profile, config.importRoot);
  await ledger.createImport({
    id: importId,
    origin: payload.origin ?? 'queue',
    source: sourcePath,
    sourceName: 'csv' in payload.source ? 'inline CSV' : basename(sourcePath),
    profileName: name,
    profileJson: JSON.stringify(profile),
    reportPath,
    retryOf: payload.retryOf,
    idempotencyKey: payload.idempotencyKey,
  });
  return { sourcePath, reportPath };
}
