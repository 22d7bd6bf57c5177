/**
 * Register an import from this machine (CLI `import`, `retry`, the watched folder, the demo): check
 * what can be checked before any work starts — the file exists, the profile is valid, the header has
 * the profile's columns — so a mistake is one clear line now, not a failed job later. Then record the
 * import (import-record.ts) and enqueue its `import` job. The worker finds the record and uses it.
 */
import { basename, resolve } from 'node:path';
import { ErrorCodes, UserError } from '../errors.js';
import type { ImportJobPayload, ImportMode } from '../../jobs/import.job.js';
import type { Config } from '../config/config.js';
import { openCsv } from '../csv/csv-reader.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { mapColumns } from '../plan/column-map.js';
import type { Profile } from '../profile/profile.js';
import { csvOptionsFor, defaultReportPath, newImportId, recordedMode, recordImport, withIncremental, withMode, type RecordedImport } from './import-record.js';
import { checkReportPlace, checkReportTarget } from './report-target.js';
import { checkFile, resolveProfile } from './resolve-source.js';
import { formatLocation, isRemote, nameOf, parseLocation } from '../storage/location.js';

export interface RegisterDeps {
  config: Config;
  ledger: RunLedger;
  enqueue: (payload: ImportJobPayload & { importId: string }) => Promise<void>;
  now?: () => number;
}

export interface RegisterRequest {
  /** The CSV, absolute or relative to `cwd`, or an sftp://, s3:// or https:// URL. */
  file: string;
  /** A built-in name or a profile JSON path (relative to `cwd`), or a profile already resolved. */
  profile: string | { name: string; profile: Profile };
  origin: NonNullable<ImportJobPayload['origin']>;
  cwd: string;
  /**
   * `--report`: a local path, or a URL in a store. With RELSYNC_STORAGE a local path is not where the
   * report is written — the workers may not reach this disk — but where the caller copies it once the
   * import ends (`reportCopied`): the report itself goes to `<storage>/reports/` as usual.
   */
  reportPath?: string;
  /** The caller copies the report to a local `reportPath` once the import ends (`import --wait`). */
  reportCopied?: boolean;
  retryOf?: string;
  idempotencyKey?: string;
  /** Name shown in status (default: the file's name). */
  sourceName?: string;
  /** Use this id (the watched folder picks it before claiming the file); default a new one. */
  importId?: string;
  /** A new import even when the same content and profile were registered within the dedup window. */
  force?: boolean;
  /** Over the profile's `"mode"` (the flag wins). */
  mode?: ImportMode;
  /** A mirror may remove more than RELSYNC_MIRROR_MAX_REMOVE_RATIO of the current links. */
  allowRemovals?: boolean;
  /** `relsync undo`: the import whose added links this one removes. */
  undoOf?: string;
  /** `--incremental` (true) / `--full` (false), over the profile's `incremental`. */
  incremental?: boolean;
}

export type Registered = RecordedImport;

/** Check the file and its header against the profile; returns the absolute path. */
export async function preflight(file: string, profile: Profile, config: Config, cwd: string): Promise<string> {
  const path = resolve(cwd, file);
  await checkFile(path, config.limits);
  await checkHeader(path, profile, config, file);
  return path;
}

/** The file's header has the profile's columns (one line naming the missing ones otherwise). */
export async function checkHeader(path: string, profile: Profile, config: Config, shownAs: string): Promise<void> {
  const csv = await openCsv(path, { ...csvOptionsFor(profile, config.limits), shownAs });
  try {
    mapColumns(profile, csv.header, shownAs);
  } finally {
    await csv.records[Symbol.asyncIterator]().return?.();
  }
}

/**
 * Where the report goes, and where its local copy goes when `--report` names this disk while the
 * report goes to RELSYNC_STORAGE (where every worker reaches it). Such a copy needs someone to make it
 * at the end: without `reportCopied`, one line says how.
 */
function reportPlace(config: Config, request: RegisterRequest, importId: string): { reportPath: string; localCopy?: string } {
  const asked = request.reportPath;
  if (!asked) return { reportPath: defaultReportPath(config, importId) };
  if (isRemote(asked)) return { reportPath: asked };
  const path = resolve(request.cwd, asked);
  if (!config.storage) return { reportPath: path };
  if (!request.reportCopied) {
    throw new UserError(ErrorCodes.REPORT_PATH_INVALID, `--report: with RELSYNC_STORAGE the report is written to ${config.storage}/reports/, where every worker reaches it; add --wait to also copy it to ${path} when the import ends, or bring it later with relsync report <id> --out ${path}`);
  }
  return { reportPath: defaultReportPath(config, importId), localCopy: path };
}

export async function registerImport(deps: RegisterDeps, request: RegisterRequest): Promise<Registered> {
  const resolved = withIncremental(withMode(typeof request.profile === 'string' ? await resolveProfile(request.profile, request.cwd) : request.profile, request.mode), request.incremental);
  // A remote source is checked once downloaded into the import's copy: its bytes are fetched once.
  const remote = isRemote(request.file) ? parseLocation(request.file, 'file') : undefined;
  const source = remote ? formatLocation(remote) : await preflight(request.file, resolved.profile, deps.config, request.cwd);
  const importId = request.importId ?? newImportId(deps.now?.());
  const { reportPath, localCopy } = reportPlace(deps.config, request, importId);
  // A local report, or the local copy of one in storage: refused now if it would land on the input or in WATCH_DIR, or the folder takes no file.
  const local = localCopy ?? (isRemote(reportPath) ? undefined : reportPath);
  if (local) {
    await checkReportPlace(local, { input: source, watchDir: deps.config.watchDir }, request.reportPath ? '--report' : 'REPORT_DIR');
    await checkReportTarget(local);
  }
  const recorded = await recordImport(deps, {
    id: importId,
    origin: request.origin,
    source,
    sourceName: request.sourceName ?? (remote ? nameOf(remote) : basename(source)),
    profile: resolved,
    reportPath,
    retryOf: request.retryOf,
    idempotencyKey: request.idempotencyKey,
    force: request.force,
    checkCopy: remote ? async (copy) => (copy ? checkHeader(copy, resolved.profile, deps.config, source) : undefined) : undefined,
    ...recordedMode(resolved.profile, request.allowRemovals),
    ...(request.undoOf ? { undoOf: request.undoOf } : {}),
  });
  if (recorded.duplicate) return recorded;
  // The record holds the resolved profile, the source and the report path; the payload only names
  // them (the contract's shape) so that the job reads well in the dashboard.
  await deps.enqueue({
    importId: recorded.importId,
    source: { path: source },
    profile: resolved.name,
    origin: request.origin,
    ...(request.retryOf ? { retryOf: request.retryOf } : {}),
    ...(request.incremental === undefined ? {} : { incremental: request.incremental }),
  });
  return recorded;
}
