/**
 * A schedule's paths, read the one way the worker reads them: its file (or the newest match of its
 * pattern) confined under IMPORT_ROOT by `confinedPath`, its profile by `resolveProfile(…, { confine })`.
 * `relsync schedule add` checks with the same functions, so a path the worker would refuse at every
 * tick — outside IMPORT_ROOT as written, or through a link — is refused when the schedule is added,
 * not found out at 2 a.m. What may still change by then (the file not there yet) is only a note.
 */
import { basename, dirname } from 'node:path';
import type { RemoteSettings } from '../config/config.js';
import { ErrorCodes, isUserError, oneLine, UserError } from '../errors.js';
import { isRemote } from '../storage/location.js';
import { isUnreachable, openStorage, type FileInfo } from '../storage/storage.js';
import { hasWildcard, newestMatch, newestRemoteMatch } from './newest-match.js';
import { confinedPath, isUnderRoot, resolveProfile } from './resolve-source.js';

/** At fire time: the file the worker imports (confined, links followed), or undefined when nothing matches now. */
export async function resolveScheduledFile(pattern: string, importRoot: string): Promise<string | undefined> {
  const found = await newestMatch(pattern, importRoot);
  return found === undefined ? undefined : confinedPath(found, importRoot, '--file');
}

/** At fire time, for an sftp://, s3:// or https:// pattern: the newest matching file, or undefined. */
export async function resolveScheduledRemote(pattern: string, remote: RemoteSettings): Promise<FileInfo | undefined> {
  const storage = openStorage(remote);
  try {
    return await newestRemoteMatch(pattern, storage);
  } finally {
    await storage.close();
  }
}

/**
 * At `schedule add` (paths already absolute): throws, in one line, what the worker would refuse
 * whatever happens before the tick; returns notes on what is missing now but may be there by then.
 * A URL is looked at once from here: a refused key or host is refused now; a store that cannot be
 * reached now is a note.
 */
export async function checkSchedulePaths(spec: { file: string; profile: string }, importRoot: string, remote?: RemoteSettings): Promise<string[]> {
  await resolveProfile(spec.profile, importRoot, { confine: true });
  if (isRemote(spec.file) && remote) {
    try {
      return (await resolveScheduledRemote(spec.file, remote)) ? [] : [`--file: no file matches '${spec.file}' now; the worker looks for it at each run`];
    } catch (error) {
      if (isUnreachable(error)) return [`--file: ${oneLine(error)}; the worker tries again at each run`];
      throw error;
    }
  }
  if (!(await isUnderRoot(spec.file, importRoot))) {
    throw new UserError(ErrorCodes.PATH_OUTSIDE_ROOT, `--file: expected a path under IMPORT_ROOT (${importRoot}), got '${spec.file}' (workers read only under IMPORT_ROOT)`);
  }
  const folder = dirname(spec.file);
  // The folder, as the worker reaches it: a link out of IMPORT_ROOT is refused; a missing one may come.
  const folderThere = await confinedPath(folder, importRoot, '--file').then(() => true, (error: unknown) => {
    if (isUserError(error) && error.code === ErrorCodes.FILE_NOT_FOUND) return false;
    throw error;
  });
  if (!folderThere) return [`--file: no folder '${folder}' now; the worker looks for it at each run`];
  // What the worker would import now: the file, or the newest match (a link leading out is refused).
  if (await resolveScheduledFile(spec.file, importRoot)) return [];
  return [`--file: ${hasWildcard(basename(spec.file)) ? `no file matches '${spec.file}'` : `no file '${spec.file}'`} now; the worker looks for it at each run`];
}
