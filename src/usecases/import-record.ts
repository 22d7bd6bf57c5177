/**
 * What an import is: its id, its ledger record (with the profile it was registered with), where its
 * report goes, how its CSV is read, and its summary. `recordImport` is the one path that records an
 * import, whoever starts it — the CLI, the watched folder, a schedule, another service's queue job or
 * `retry` (see docs/architecture.md#the-life-of-one-row).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ImportJobPayload, ImportMode, ImportSummary } from '../../jobs/import.job.js';
import type { Config } from '../config/config.js';
import type { CsvReadOptions } from '../csv/csv-reader.js';
import type { ImportRecord, NewImport, RunLedger } from '../ledger/run-ledger.js';
import { parseProfile, type Profile } from '../profile/profile.js';
import { claimContent, type DedupDeps } from './dedup.js';
import { dropSnapshot, takeSnapshot } from './input-snapshot.js';
import { sharedInputUrl, sharedReportUrl, sharedRoot } from './shared-storage.js';

/** `imp-20261127-041502-k3x9`: sortable by time, unique enough to never collide in one Redis. */
export function newImportId(now: number = Date.now()): string {
  return `imp-${timeStamp(now)}-${randomBytes(3).toString('hex')}`;
}

/**
 * The import id of an `import` job. Our producers set it. A schedule's tick (job id
 * `repeat:<scheduler id>:<due ms>`, BullMQ's documented form) gets `sch-<name>-<due time>`; anything
 * else `job-<job id>`. Derived from the job, never random, so a retried job keeps its import.
 */
export function importIdOf(jobId: string | undefined, data: Pick<ImportJobPayload, 'importId' | 'schedule'>): string {
  if (data.importId) return data.importId;
  const due = data.schedule ? /:(\d{10,})$/.exec(jobId ?? '')?.[1] : undefined;
  if (data.schedule && due) return `sch-${data.schedule.name}-${timeStamp(Number(due))}`;
  return `job-${jobId}`;
}

function timeStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** `<REPORT_DIR>/<id>.report.csv`, or with RELSYNC_STORAGE `<storage>/reports/<id>.report.csv` (shared-storage.ts). */
export function defaultReportPath(config: Pick<Config, 'reportDir'> & Partial<Pick<Config, 'storage'>>, importId: string): string {
  const root = sharedRoot({ storage: config.storage });
  return root ? sharedReportUrl(root, importId) : join(config.reportDir, `${importId}.report.csv`);
}

/**
 * How an import's CSV is read. Ingest, the report, retry and dry runs must all read it the same way,
 * or their row numbers would disagree.
 */
export function csvOptionsFor(profile: Profile, limits: { maxFieldBytes: number }): CsvReadOptions {
  return { delimiter: profile.csv?.delimiter, encoding: profile.csv?.encoding, maxFieldBytes: limits.maxFieldBytes };
}

/** The profile an import was registered with (resolved then, stored as JSON in its record). */
export function storedProfile(record: ImportRecord): Profile {
  return parseProfile(JSON.parse(record.profileJson), `import ${record.id} profile`);
}

/** The stored profile of an import that must exist (a worker's job refers to it). */
export async function requireStoredProfile(ledger: Pick<RunLedger, 'getImport'>, importId: string): Promise<Profile> {
  const record = await ledger.getImport(importId);
  if (!record) throw new Error(`import ${importId} has no ledger record`);
  return storedProfile(record);
}

/** The summary of a finished import, as its `import` job returns it. */
export function summaryOf(record: ImportRecord): ImportSummary {
  return {
    importId: record.id,
    status: record.state === 'done' ? 'done' : 'failed',
    rows: record.rows ?? 0,
    success: record.success,
    error: record.error,
    skipped: record.skipped,
    reportPath: record.reportPath ?? null,
    ...(record.plannedRemovals === undefined ? {} : { removals: { success: record.removalsSuccess ?? 0, error: record.removalsError ?? 0, skipped: record.removalsSkipped ?? 0 } }),
  };
}

export function isFinished(record: ImportRecord | undefined): record is ImportRecord {
  return record?.state === 'done' || record?.state === 'failed';
}

export interface ImportToRecord extends Omit<NewImport, 'profileName' | 'profileJson' | 'contentHash' | 'reportPath' | 'originalPath' | 'inputSha256'> {
  /** The input as it is now: the import takes its own copy of it (input-snapshot.ts). */
  source: string;
  /** The profile, resolved: stored with the import so every later step reads the same one. */
  profile: { name: string; profile: Profile };
  /** Where the report goes; default `<REPORT_DIR>/<id>.report.csv`. */
  reportPath?: string;
  /** A new import even when the same content and profile were recorded within the dedup window. */
  force?: boolean;
  /**
   * Checks the import's copy before it is recorded (a remote source's header, read only once
   * downloaded; a schedule's "imported already"). `copyPath` is undefined when the copy is in shared
   * storage, not on this disk.
   */
  checkCopy?: (copyPath: string | undefined, sha256: string) => Promise<void>;
}

export interface RecordedImport {
  /** The import that does the work: the one asked for, or an earlier import of the same content. */
  importId: string;
  reportPath: string;
  /** An earlier import of the same content and profile (RELSYNC_DEDUP_WINDOW_S) does the work. */
  duplicate: boolean;
}

type RecordDeps = DedupDeps & { config: Pick<Config, 'reportDir' | 'dedupWindowS' | 'remote' | 'limits' | 'storage'>; ledger: Pick<RunLedger, 'createImport'> };

/**
 * Record an import: take its own copy of the input, claim the content for the dedup window, then write
 * its ledger record. A retry re-sends on purpose what failed before, so it is never folded into an
 * earlier import.
 */
export async function recordImport(deps: RecordDeps, input: ImportToRecord): Promise<RecordedImport> {
  const { profile, force, source, checkCopy, ...record } = input;
  // With RELSYNC_STORAGE the copy goes there, where every worker reaches it (shared-storage.ts).
  const root = sharedRoot(deps.config);
  const sharedCopy = root ? sharedInputUrl(root, input.id) : undefined;
  const snapshot = await takeSnapshot(source, { reportDir: deps.config.reportDir, importId: input.id, shownAs: input.sourceName, remote: deps.config.remote, maxFileBytes: deps.config.limits.maxFileBytes, sharedCopy });
  const drop = (): Promise<void> => dropSnapshot(deps.config.reportDir, input.id, sharedCopy ? { url: sharedCopy, remote: deps.config.remote } : undefined);
  try {
    // A copy in shared storage is not on this disk: its header is checked by the worker that reads it.
    await checkCopy?.(sharedCopy ? undefined : snapshot.path, snapshot.sha256);
    const claim = await claimContent(deps, { importId: input.id, contentSha256: snapshot.sha256, profile: profile.profile, force: force || input.origin === 'retry' });
    if (claim.duplicate) {
      await drop();
      const earlier = await deps.ledger.getImport(claim.importId);
      return { importId: claim.importId, reportPath: earlier?.reportPath ?? defaultReportPath(deps.config, claim.importId), duplicate: true };
    }
    const reportPath = input.reportPath ?? defaultReportPath(deps.config, input.id);
    await deps.ledger.createImport({
      ...record, source: snapshot.path, originalPath: source, inputSha256: snapshot.sha256, reportPath,
      profileName: profile.name, profileJson: JSON.stringify(profile.profile), contentHash: claim.contentKey,
    });
    return { importId: input.id, reportPath, duplicate: false };
  } catch (error) {
    // Redis away or refusing writes, or the copy refused: no import was recorded, so the copy has no owner.
    await drop().catch(() => undefined);
    throw error;
  }
}

/**
 * Record an import that was refused before it had an input (a schedule's run: no file matches, a
 * profile that does not load, a path outside IMPORT_ROOT…), as failed with its reason, so that `list`
 * and `status` show what happened. Its profile may be unknown: `profileJson` is then `null`.
 */
export async function recordRefusedImport(deps: { ledger: Pick<RunLedger, 'createImport' | 'setState'> }, input: Pick<NewImport, 'id' | 'origin' | 'sourceName' | 'profileName'> & { profile?: Profile; reason: string }): Promise<void> {
  await deps.ledger.createImport({
    id: input.id, origin: input.origin, source: '', sourceName: input.sourceName, profileName: input.profileName, profileJson: JSON.stringify(input.profile ?? null),
  });
  await deps.ledger.setState(input.id, 'failed', { failedReason: input.reason, finishedAt: Date.now() });
}

/** The mode wins over the profile's: the import's stored profile carries the mode every worker reads. */
export function withMode(resolved: { name: string; profile: Profile }, mode: ImportMode | undefined): { name: string; profile: Profile } {
  if (!mode) return resolved;
  if (mode === 'link') {
    const { mode: _dropped, ...profile } = resolved.profile;
    return { ...resolved, profile };
  }
  return { ...resolved, profile: { ...resolved.profile, mode } };
}

/** What the ledger record keeps of the mode, for status: `unlink` or `mirror`, and `--allow-removals`. */
export function recordedMode(profile: Profile, allowRemovals: boolean | undefined): { mode?: string; allowRemovals?: number } {
  return { ...(profile.mode && profile.mode !== 'link' ? { mode: profile.mode } : {}), ...(allowRemovals ? { allowRemovals: 1 } : {}) };
}

/**
 * `--incremental` / `--full` (or a payload's `incremental`) win over the profile's: the import's
 * stored profile carries the choice, so every worker reads the same one.
 */
export function withIncremental(resolved: { name: string; profile: Profile }, incremental: boolean | undefined): { name: string; profile: Profile } {
  return incremental === undefined ? resolved : { ...resolved, profile: { ...resolved.profile, incremental } };
}
