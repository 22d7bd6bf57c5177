/**
 * The first step of every `import` job: an import our own producers registered already has its record
 * (register-import.ts); one that another service or a schedule enqueued is resolved here — its profile,
 * its source (confined under IMPORT_ROOT; inline CSV spooled to a file) — and recorded through the same
 * recordImport.
 */
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ImportJobPayload, ImportSource } from '../../jobs/import.job.js';
import type { Config } from '../config/config.js';
import { ErrorCodes, isUserError, oneLine, UserError } from '../errors.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import type { Profile } from '../profile/profile.js';
import { defaultReportPath, recordedMode, recordImport, recordRefusedImport, withIncremental, withMode } from './import-record.js';
import { createHash } from 'node:crypto';
import { resolveScheduledFile, resolveScheduledRemote } from './scheduled-source.js';
import { formatLocation, isRemote, nameOf, parseLocation } from '../storage/location.js';
import { checkReportTarget } from './report-target.js';
import { confinedReportPath, materializeSource, resolveProfile } from './resolve-source.js';

export interface StartedImport {
  sourcePath: string;
  reportPath: string;
  /** An earlier import of the same content and profile does the work (dedup.ts); nothing was recorded. */
  duplicateOf?: string;
}

type StartDeps = { config: Config; ledger: RunLedger };

export async function startImport(deps: StartDeps, importId: string, payload: ImportJobPayload): Promise<StartedImport> {
  try {
    return await start(deps, importId, payload);
  } catch (error) {
    if (!payload.schedule || !isUserError(error)) throw error;
    throw await refuseScheduledRun(deps, importId, { ...payload, schedule: payload.schedule }, error);
  }
}

/**
 * A schedule's run the worker refuses (no file matches, a profile that no longer loads, a path out of
 * IMPORT_ROOT, a file over the limits…) is recorded as a failed import with its reason, so `list` and
 * `status` show the night's run instead of nothing. Returns the error to throw, naming the schedule.
 */
async function refuseScheduledRun(deps: StartDeps, importId: string, payload: ImportJobPayload & { schedule: { name: string } }, error: UserError): Promise<UserError> {
  const reason = `schedule ${payload.schedule.name}: ${oneLine(error)}`;
  if (!(await deps.ledger.getImport(importId))) {
    await recordRefusedImport(deps, {
      id: importId, origin: 'schedule', reason,
      sourceName: 'path' in payload.source ? basename(payload.source.path) : 'inline CSV',
      profileName: typeof payload.profile === 'string' ? payload.profile : 'inline profile',
    });
  }
  return new UserError(error.code, reason, { cause: error });
}

async function start(deps: StartDeps, importId: string, payload: ImportJobPayload): Promise<StartedImport> {
  const { config, ledger } = deps;
  const existing = await ledger.getImport(importId);
  // A report path our producers did not record comes from another service: confined like source paths.
  const chosen = payload.reportPath !== undefined && payload.reportPath !== existing?.reportPath ? await confinedReportPath(payload.reportPath, config) : payload.reportPath;
  const reportPath = chosen ?? existing?.reportPath ?? defaultReportPath(config, importId);
  if (existing) return { sourcePath: existing.source, reportPath };
  const resolved = withIncremental(withMode(withAbort(await resolveProfile(payload.profile, config.importRoot, { confine: true }), payload.abort), payload.mode), payload.incremental);
  if (!isRemote(reportPath)) await checkReportTarget(reportPath);
  if (payload.schedule && 'path' in payload.source && isRemote(payload.source.path)) {
    return startRemoteScheduled(deps, importId, { ...payload, schedule: payload.schedule, source: payload.source }, resolved, reportPath);
  }
  const source = await scheduledSource(deps, payload);
  const sourcePath = await materializeSource(source, {
    importId,
    importRoot: config.importRoot,
    spoolDir: join(config.reportDir, '.spool'),
    // Every path that arrives by the queue is confined, whatever `origin` the payload claims: our own
    // producers record the import first and so never get here.
    confine: true,
    limits: config.limits,
  });
  const recorded = await recordImport(deps, {
    id: importId,
    origin: payload.origin ?? 'queue',
    source: sourcePath,
    sourceName: 'csv' in source ? 'inline CSV' : isRemote(sourcePath) ? nameOf(parseLocation(sourcePath, 'source.path')) : basename(sourcePath),
    profile: resolved,
    reportPath,
    retryOf: payload.retryOf,
    idempotencyKey: payload.idempotencyKey,
    force: payload.force,
    ...recordedMode(resolved.profile, payload.allowRemovals),
  });
  // Inline CSV was spooled only to be copied: the import's snapshot is its input now.
  if ('csv' in source) await rm(sourcePath, { force: true });
  if (recorded.duplicate) return { sourcePath, reportPath, duplicateOf: recorded.importId };
  const record = await ledger.getImport(importId);
  return { sourcePath: record?.source ?? sourcePath, reportPath };
}

/**
 * A schedule on an sftp://, s3:// or https:// pattern imports the newest match at fire time, once: a
 * file this schedule already imported — same name, size and modification time, or same content — is
 * not imported again (the run is recorded as refused, saying which file). Each is claimed in Redis for
 * RELSYNC_RETENTION_DAYS by the import id (claimContent: one Lua script, first claimer wins), so two
 * workers firing the same tick cannot both pass, while the same run retried (a stalled or failed
 * start step) finds its own claim and goes on. A download that fails gives the name back, so the
 * next tick tries the file again.
 */
async function startRemoteScheduled(deps: StartDeps, importId: string, payload: ImportJobPayload & { schedule: { name: string }; source: { path: string } }, resolved: { name: string; profile: Profile }, reportPath: string): Promise<StartedImport> {
  const { config, ledger } = deps;
  const found = await resolveScheduledRemote(payload.source.path, config.remote);
  if (!found) throw new UserError(ErrorCodes.FILE_NOT_FOUND, `no file matches '${payload.source.path}' (looked at ${new Date().toISOString()})`);
  const url = formatLocation(found.location);
  const ttlS = config.retentionDays * 86_400;
  const claim = async (key: string): Promise<boolean> => (await ledger.claimContent(key, importId, ttlS)) === importId;
  const seen = (what: string): string => `schedule:${payload.schedule.name}:${createHash('sha256').update(what).digest('hex').slice(0, 32)}`;
  const byName = seen(`${url}\n${found.size}\n${found.mtimeMs}`);
  if (!payload.force && !(await claim(byName))) {
    throw new UserError(ErrorCodes.FILE_NOT_FOUND, `no new file: ${url} (the newest match of '${payload.source.path}') was imported already by this schedule (same name, size and time)`);
  }
  try {
    const recorded = await recordImport(deps, {
      id: importId, origin: 'schedule', source: url, sourceName: found.name, profile: resolved, reportPath,
      idempotencyKey: payload.idempotencyKey, force: payload.force,
      checkCopy: async (_copy, sha256) => {
        if (!payload.force && !(await claim(seen(`sha256:${sha256}`)))) {
          throw new UserError(ErrorCodes.FILE_NOT_FOUND, `no new file: ${url} has the same content as a file this schedule imported already`);
        }
      },
    });
    if (recorded.duplicate) return { sourcePath: url, reportPath, duplicateOf: recorded.importId };
  } catch (error) {
    if (!(isUserError(error) && error.message.startsWith('no new file'))) await ledger.releaseContent(byName, importId).catch(() => undefined);
    throw error;
  }
  const record = await ledger.getImport(importId);
  return { sourcePath: record?.source ?? url, reportPath };
}

/**
 * The payload's `abort` wins over the profile's, key by key: the import's stored profile carries the
 * brake it runs with, so every worker that syncs it reads the same one.
 */
function withAbort(resolved: { name: string; profile: Profile }, abort: ImportJobPayload['abort']): { name: string; profile: Profile } {
  if (!abort) return resolved;
  return { ...resolved, profile: { ...resolved.profile, abort: { ...resolved.profile.abort, ...abort } } };
}

/**
 * A schedule's file may be a pattern: the newest match at fire time, read as `schedule add` checked
 * it (scheduled-source.ts).
 */
async function scheduledSource(deps: StartDeps, payload: ImportJobPayload): Promise<ImportSource> {
  if (!payload.schedule || !('path' in payload.source)) return payload.source;
  const found = await resolveScheduledFile(payload.source.path, deps.config.importRoot);
  if (found) return { path: found };
  throw new UserError(ErrorCodes.FILE_NOT_FOUND, `no file matches '${payload.source.path}' (looked at ${new Date().toISOString()})`);
}
