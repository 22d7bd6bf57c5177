/**
 * Where an import's CSV is on disk, and which profile it uses, checked before any work starts.
 * Queue-triggered paths must lie under IMPORT_ROOT (no `..`, no symlink escape); inline CSV is
 * size-capped and spooled to a file, because ingest and the report both stream the file.
 */
import { mkdir, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ImportSource } from '../../jobs/import.job.js';
import { ErrorCodes, UserError } from '../errors.js';
import { BUILTIN_PROFILES, loadProfile, parseProfile, type Profile } from '../profile/profile.js';
import { formatLocation, isRemote, parseLocation } from '../storage/location.js';

export interface SourceLimits { maxFileBytes: number; maxInlineCsvBytes: number }

/** Resolve `path` and refuse it unless it (and its real target) lies under `root`. */
export async function confinedPath(path: string, root: string, where = 'source.path'): Promise<string> {
  const rootReal = await realpath(root);
  const candidate = isAbsolute(path) ? path : resolve(rootReal, path);
  if (!(await isUnderRoot(candidate, root))) {
    throw new UserError(ErrorCodes.PATH_OUTSIDE_ROOT, `${where}: expected a file under IMPORT_ROOT (${root}), got '${path}'`);
  }
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new UserError(ErrorCodes.FILE_NOT_FOUND, `${path}: file not found under IMPORT_ROOT`);
  }
  if (!isInside(real, rootReal)) {
    throw new UserError(ErrorCodes.PATH_OUTSIDE_ROOT, `${where}: '${path}' leads outside IMPORT_ROOT (${root}) through a link`);
  }
  return real;
}

/** `path` (absolute, or relative to the root) lies under `root` as written — the root by its name or its real path. Links are not followed. */
export async function isUnderRoot(path: string, root: string): Promise<boolean> {
  const rootReal = await realpath(root).catch(() => resolve(root));
  const candidate = resolve(isAbsolute(path) ? path : resolve(rootReal, path));
  return isInside(candidate, rootReal) || isInside(candidate, resolve(root));
}

/**
 * A report path that came by the queue: the worker writes (and replaces) files there, so it must lie
 * under REPORT_DIR or IMPORT_ROOT, links resolved, even when its folders do not exist yet. Relative
 * paths are taken from IMPORT_ROOT, like source paths.
 */
export async function confinedReportPath(path: string, roots: { reportDir: string; importRoot: string }): Promise<string> {
  const target = resolve(roots.importRoot, path);
  const real = await realpathOfNearest(target);
  const allowed = await Promise.all([roots.reportDir, roots.importRoot].map((root) => realpathOfNearest(resolve(root))));
  if (!allowed.some((root) => isInside(real, root))) {
    throw new UserError(ErrorCodes.PATH_OUTSIDE_ROOT, `reportPath: expected a path under REPORT_DIR (${roots.reportDir}) or IMPORT_ROOT (${roots.importRoot}), got '${path}'`);
  }
  return target;
}

/** realpath of the longest existing ancestor, with the rest of the path appended as written. */
async function realpathOfNearest(path: string): Promise<string> {
  const rest: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    try {
      return join(await realpath(current), ...rest);
    } catch {
      if (dirname(current) === current) return path;
      rest.unshift(basename(current));
    }
  }
}

/** `path` is `root` or below it (both already resolved; links are the caller's business). */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  // `..x.csv` is a file inside; only `..` itself or a `../` start leaves the root.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Check the file exists, is a regular file and is within the size limit. */
export async function checkFile(path: string, limits: SourceLimits): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new UserError(ErrorCodes.FILE_NOT_FOUND, `${path}: file not found`);
  }
  if (!info.isFile()) throw new UserError(ErrorCodes.FILE_INVALID, `${path}: expected a CSV file, got a ${info.isDirectory() ? 'folder' : 'special file'}`);
  if (info.size > limits.maxFileBytes) {
    throw new UserError(ErrorCodes.FILE_INVALID, `${path}: expected at most ${limits.maxFileBytes} bytes (RELSYNC_MAX_FILE_BYTES), got ${info.size}`);
  }
  return info.size;
}

/**
 * The absolute path of the source, or its URL (sftp://, s3://, https://: checked, never confined —
 * IMPORT_ROOT bounds the worker's own disk; the import's copy downloads it); inline CSV is written
 * to `<spoolDir>/<importId>.csv`.
 */
export async function materializeSource(source: ImportSource, options: { importId: string; importRoot: string; spoolDir: string; confine: boolean; limits: SourceLimits }): Promise<string> {
  if ('csv' in source) {
    const bytes = Buffer.byteLength(source.csv, 'utf8');
    if (bytes > options.limits.maxInlineCsvBytes) {
      throw new UserError(ErrorCodes.PAYLOAD_INVALID, `source.csv: expected at most ${options.limits.maxInlineCsvBytes} bytes (RELSYNC_MAX_INLINE_CSV_BYTES), got ${bytes}`);
    }
    await mkdir(options.spoolDir, { recursive: true });
    const path = join(options.spoolDir, `${options.importId}.csv`);
    await writeFile(path, source.csv, 'utf8');
    return path;
  }
  if (isRemote(source.path)) return formatLocation(parseLocation(source.path, 'source.path'));
  const path = options.confine ? await confinedPath(source.path, options.importRoot) : resolve(options.importRoot, source.path);
  await checkFile(path, options.limits);
  return path;
}

/** A built-in name, a JSON file (relative to `cwd`), or a profile object from a payload. */
export async function resolveProfile(profile: string | Record<string, unknown>, cwd: string, options: { confine?: boolean } = {}): Promise<{ name: string; profile: Profile }> {
  if (typeof profile === 'string') {
    // A profile file named by another service is read only under IMPORT_ROOT, like its CSV: the
    // worker must not open arbitrary files for a payload. Built-in names are not paths.
    if (options.confine && !Object.hasOwn(BUILTIN_PROFILES, profile)) {
      // Outside the root: refused. Not there at all: loadProfile says so, naming the built-ins.
      await confinedPath(profile, cwd, 'profile').catch((error: unknown) => {
        if ((error as UserError).code !== ErrorCodes.FILE_NOT_FOUND) throw error;
      });
    }
    return { name: profile, profile: await loadProfile(profile, { cwd }) };
  }
  return { name: 'inline profile', profile: parseProfile(profile, 'payload.profile') };
}
