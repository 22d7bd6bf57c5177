/**
 * Where an import's report goes must be writable before the first call is made: finding out after a
 * 200,000-row sync that REPORT_DIR is read-only, or on a full disk, wastes the night. And a report that
 * cannot be written after the sync is not a failed import: every row was sent and has its outcome in
 * the ledger; the import is `done` with `reportError` set, and `relsync report <id>` writes it later.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ErrorCodes, UserError } from '../errors.js';
import { reportPaths } from '../report/report-writer.js';

/** File-system answers that say "this place cannot take the report now" (not a bug of ours). */
const DISK_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'the path is a folder',
  ENAMETOOLONG: 'the path is too long',
};

/** The file-system code behind an error (the report writer wraps them, keeping the cause). */
function diskCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && Object.hasOwn(DISK_ERRORS, code)) return code;
  }
  return undefined;
}

export function isDiskError(error: unknown): boolean {
  return diskCode(error) !== undefined;
}

/** "cannot write the report /r/x.report.csv: no space left on the device (ENOSPC)": never a temp file's name. */
export function reportProblem(reportPath: string, error: unknown): string {
  const code = diskCode(error);
  const why = code && Object.hasOwn(DISK_ERRORS, code) ? `${DISK_ERRORS[code]} (${code})` : 'an unexpected error (see the worker log)';
  return `cannot write the report ${reportPath}: ${why}`;
}

/** Create the report's folder and prove it takes a file; a user's mistake (exit 1) when it does not. */
export async function checkReportTarget(reportPath: string): Promise<void> {
  const dir = dirname(reportPath);
  const probe = join(dir, `.relsync-probe-${randomUUID().slice(0, 8)}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, 'relsync\n');
  } catch (error) {
    if (!isDiskError(error)) throw error;
    throw new UserError(ErrorCodes.REPORT_NOT_WRITABLE, `${reportProblem(reportPath, error)}; nothing was sent (choose --report or REPORT_DIR elsewhere)`, { cause: error });
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/**
 * A report must not overwrite what it reports on, nor land where the watched folder takes CSVs in (it
 * would be imported, and its errors file after it): checked before anything is recorded. `input` is
 * the file as the user named it; its companions (`.errors.csv`, `.summary.json`) count too, so
 * `import x.errors.csv --report x.report.csv` is refused. `flag` names what set the path.
 */
export async function checkReportPlace(reportPath: string, places: { input: string; watchDir?: string }, flag = '--report'): Promise<void> {
  const input = await realpathOr(places.input);
  for (const target of Object.values(reportPaths(reportPath))) {
    if (resolve(target) === resolve(places.input) || (await realpathOr(target)) === input) {
      const what = target === reportPath ? 'the report' : `its companion ${target}`;
      throw new UserError(ErrorCodes.REPORT_PATH_INVALID, `${flag}: expected a path other than the input, got '${reportPath}' (${what} would overwrite ${places.input})`);
    }
  }
  if (places.watchDir && (await realpathOr(dirname(reportPath))) === (await realpathOr(places.watchDir))) {
    throw new UserError(ErrorCodes.REPORT_PATH_INVALID, `${flag}: expected a path outside WATCH_DIR (${places.watchDir}), got '${reportPath}' (a CSV there is imported by the watched folder)`);
  }
}

/** The real path of `path` (links resolved), or `path` resolved as written when it does not exist yet. */
async function realpathOr(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}
