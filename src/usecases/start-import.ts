/**
 * The first step of every import, whoever started it: resolve the source and the profile, create the
 * ledger record (unless the CLI already did), and decide where the report goes.
 */
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ImportJobPayload, ImportSource } from '../../jobs/import.job.js';
import type { Config } from '../config/config.js';
import { ErrorCodes, UserError } from '../errors.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import type { Profile } from '../profile/profile.js';
import { claimContent } from './dedup.js';
import { newestMatch } from './newest-match.js';
import { confinedReportPath, materializeSource, resolveProfile } from './resolve-source.js';

export interface StartedImport {
  sourcePath: string;
  reportPath: string;
  /** An earlier import of the same content and profile does the work (dedup.ts); nothing was registered. */
  duplicateOf?: string;
}

export function defaultReportPath(config: Config, importId: string): string {
  return join(config.reportDir, `${importId}.report.csv`);
}

/**
 * The import id of an `import` job. Our producers set it. A schedule's tick (job id
 * `repeat:<scheduler id>:<due ms>`, BullMQ's documented form) gets `sch-<name>-<due time>`; anything
 * else `job-<job id>`. Derived from the job, never random, so a retried job keeps its import.
 */
export function importIdOf(jobId: string | undefined, data: Pick<ImportJobPayload, 'importId' | 'schedule'>): string {
  if (data.importId) return data.importId;
  const due = data.schedule ? /:(\d{10,})$/.exec(jobId ?? '')?.[1] : undefined;
  if (data.schedule && due) {
    const stamp = new Date(Number(due)).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    return `sch-${data.schedule.name}-${stamp}`;
  }
  return `job-${jobId}`;
}

export async function startImport(deps: { config: Config; ledger: RunLedger }, importId: string, payload: ImportJobPayload): Promise<StartedImport> {
  const { config, ledger } = deps;
  const existing = await ledger.getImport(importId);
  // A report path our producers did not record comes from another service: confined like source paths.
  const chosen = payload.reportPath !== undefined && payload.reportPath !== existing?.reportPath ? await confinedReportPath(payload.reportPath, config) : payload.reportPath;
  const reportPath = chosen ?? existing?.reportPath ?? defaultReportPath(config, importId);
  if (existing) return { sourcePath: existing.source, reportPath };
  const { name, profile } = await resolveProfile(payload.profile, config.importRoot, { confine: true });
  const source = await scheduledSource(deps, importId, payload, { name, profile });
  const sourcePath = await materializeSource(source, {
    importId,
    importRoot: config.importRoot,
    spoolDir: join(config.reportDir, '.spool'),
    // Every path that arrives by the queue is confined, whatever `origin` the payload claims: our own
    // producers write the ledger record first and so never get here.
    confine: true,
    limits: config.limits,
  });
  const claim = await claimContent(deps, { importId, sourcePath, profile, force: payload.force });
  if (claim.duplicate) {
    if ('csv' in source) await rm(sourcePath, { force: true });
    return { sourcePath, reportPath, duplicateOf: claim.importId };
  }
  await ledger.createImport({
    id: importId,
    origin: payload.origin ?? 'queue',
    source: sourcePath,
    sourceName: 'csv' in source ? 'inline CSV' : basename(sourcePath),
    profileName: name,
    profileJson: JSON.stringify(profile),
    reportPath,
    retryOf: payload.retryOf,
    idempotencyKey: payload.idempotencyKey,
    contentHash: claim.contentKey,
  });
  return { sourcePath, reportPath };
}

/**
 * A schedule's file may be a pattern: the newest match at fire time. With none, the import is
 * recorded as failed with a reason that says so (the processor marks it failed from the error).
 */
async function scheduledSource(deps: { config: Config; ledger: RunLedger }, importId: string, payload: ImportJobPayload, resolved: { name: string; profile: Profile }): Promise<ImportSource> {
  if (!payload.schedule || !('path' in payload.source)) return payload.source;
  const found = await newestMatch(payload.source.path, deps.config.importRoot);
  if (found) return { path: found };
  await deps.ledger.createImport({
    id: importId, origin: 'schedule', source: payload.source.path, sourceName: basename(payload.source.path),
    profileName: resolved.name, profileJson: JSON.stringify(resolved.profile),
  });
  throw new UserError(ErrorCodes.FILE_NOT_FOUND, `schedule ${payload.schedule.name}: no file matches '${payload.source.path}' (looked at ${new Date().toISOString()})`);
}
