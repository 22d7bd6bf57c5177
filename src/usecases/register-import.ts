/**
 * Register an import from this machine (CLI `import`, `retry`, the watched folder, schedules): check
 * what can be checked before any work starts — the file exists, the profile is valid, the header has
 * the profile's columns — so a mistake is one clear line now, not a failed job later. Then create the
 * ledger record and enqueue the `import` job under the new import id.
 */
import { randomBytes } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { ImportJobPayload } from '../../jobs/import.job.js';
import type { Config } from '../config/config.js';
import { openCsv } from '../csv/csv-reader.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { mapColumns } from '../plan/column-map.js';
import type { Profile } from '../profile/profile.js';
import { claimContent } from './dedup.js';
import { csvOptionsFor } from './ingest-import.js';
import { checkFile, resolveProfile } from './resolve-source.js';
import { defaultReportPath } from './start-import.js';

export interface RegisterDeps {
  config: Config;
  ledger: RunLedger;
  enqueue: (payload: ImportJobPayload & { importId: string }) => Promise<void>;
  now?: () => number;
}

export interface RegisterRequest {
  /** The CSV, absolute or relative to `cwd`. */
  file: string;
  /** A built-in name or a profile JSON path (relative to `cwd`), or a profile already resolved. */
  profile: string | { name: string; profile: Profile };
  origin: NonNullable<ImportJobPayload['origin']>;
  cwd: string;
  reportPath?: string;
  retryOf?: string;
  idempotencyKey?: string;
  /** Name shown in status (default: the file's name). */
  sourceName?: string;
  /** Use this id (the watched folder picks it before claiming the file); default a new one. */
  importId?: string;
  /** A new import even when the same content and profile were registered within the dedup window. */
  force?: boolean;
}

export interface Registered {
  importId: string;
  reportPath: string;
  /** The content was registered earlier (within RELSYNC_DEDUP_WINDOW_S): `importId` is that import. */
  duplicate: boolean;
}

/** `imp-20261127-041502-k3x9`: sortable by time, unique enough to never collide in one Redis. */
export function newImportId(now: number = Date.now()): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `imp-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Check the file and its header against the profile; returns the absolute path. */
export async function preflight(file: string, profile: Profile, config: Config, cwd: string): Promise<string> {
  const path = resolve(cwd, file);
  await checkFile(path, config.limits);
  const csv = await openCsv(path, csvOptionsFor(profile, config.limits));
  try {
    mapColumns(profile, csv.header, file);
  } finally {
    await csv.records[Symbol.asyncIterator]().return?.();
  }
  return path;
}

export async function registerImport(deps: RegisterDeps, request: RegisterRequest): Promise<Registered> {
  const { config } = deps;
  const resolved = typeof request.profile === 'string' ? await resolveProfile(request.profile, request.cwd) : request.profile;
  const source = await preflight(request.file, resolved.profile, config, request.cwd);
  // A retry re-sends on purpose what failed before: never folded into an earlier import.
  const claim = await claimContent(deps, {
    importId: request.importId ?? newImportId(deps.now?.()), sourcePath: source, profile: resolved.profile, force: request.force || request.origin === 'retry',
  });
  const importId = claim.importId;
  if (claim.duplicate) {
    const earlier = await deps.ledger.getImport(importId);
    return { importId, reportPath: earlier?.reportPath ?? defaultReportPath(config, importId), duplicate: true };
  }
  const reportPath = request.reportPath ? resolve(request.cwd, request.reportPath) : defaultReportPath(config, importId);
  await deps.ledger.createImport({
    id: importId,
    origin: request.origin,
    source,
    sourceName: request.sourceName ?? basename(source),
    profileName: resolved.name,
    profileJson: JSON.stringify(resolved.profile),
    reportPath,
    retryOf: request.retryOf,
    idempotencyKey: request.idempotencyKey,
    contentHash: claim.contentKey,
  });
  await deps.enqueue({
    importId,
    source: { path: source },
    profile: resolved.profile as unknown as Record<string, unknown>,
    origin: request.origin,
    reportPath,
    ...(request.retryOf ? { retryOf: request.retryOf } : {}),
  });
  return { importId, reportPath, duplicate: false };
}
