/**
 * A schedule's file may hold `*` and `?` in its file name (`/data/exports/contacts-*.csv`); at fire
 * time the newest matching regular file (by modification time) is the one imported. Wildcards are
 * allowed in the last segment only: one `readdir`, no folder walk — bounded on a large share, and it
 * cannot wander out of the folder the operator named. (Node 20 has no `fs.glob`; no dependency needed.)
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrorCodes, UserError } from '../errors.js';
import { formatLocation, nameOf, parentOf, parseLocation } from '../storage/location.js';
import type { FileInfo, Storage } from '../storage/storage.js';

const WILDCARD = /[*?]/;

export function hasWildcard(path: string): boolean {
  return WILDCARD.test(path);
}

/** Throws unless wildcards appear in the file name only. */
export function checkFilePattern(pattern: string, what = 'file'): void {
  if (hasWildcard(dirname(pattern))) {
    throw new UserError(ErrorCodes.FILE_INVALID, `${what}: expected wildcards (* ?) in the file name only, got '${pattern}'`);
  }
}

/** `*` any run of characters, `?` one character; everything else literal; the whole name must match. */
export function fileNamePattern(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}

/** Names a half-written upload or a hidden file has: never picked by a wildcard. */
function isSkipped(name: string, glob: string): boolean {
  return (name.startsWith('.') && !glob.startsWith('.')) || /\.(part|tmp)$/i.test(name);
}

/**
 * The absolute path of the newest regular file matching `pattern` (relative to `cwd`), or undefined.
 * Ties on modification time go to the name that sorts last (`…-2026-11-27.csv` after `…-2026-11-26.csv`).
 */
export async function newestMatch(pattern: string, cwd: string): Promise<string | undefined> {
  checkFilePattern(pattern);
  const path = resolve(cwd, pattern);
  if (!hasWildcard(basename(path))) return (await regularFileTime(path)) === undefined ? undefined : path;
  const folder = dirname(path);
  const glob = basename(path);
  const matcher = fileNamePattern(glob);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return undefined;
  }
  let best: { path: string; mtimeMs: number; name: string } | undefined;
  for (const name of names) {
    if (!matcher.test(name) || isSkipped(name, glob)) continue;
    const mtimeMs = await regularFileTime(join(folder, name));
    if (mtimeMs === undefined) continue;
    if (!best || mtimeMs > best.mtimeMs || (mtimeMs === best.mtimeMs && name > best.name)) best = { path: join(folder, name), mtimeMs, name };
  }
  return best?.path;
}

/**
 * The newest file a remote pattern names (sftp:// or s3://): one listing of its folder, the same
 * wildcards and skipped names as on disk. A URL ending in `/` names a folder (an S3 prefix): any file
 * in it. Without wildcards, the file itself when it is there.
 */
export async function newestRemoteMatch(pattern: string, storage: Storage): Promise<FileInfo | undefined> {
  const location = parseLocation(pattern, '--file');
  const path = location.kind === 's3' ? location.key : location.kind === 'https' ? new URL(location.url).pathname : location.path;
  checkFilePattern(path, '--file');
  const isFolder = pattern.endsWith('/');
  const glob = isFolder ? '*' : nameOf(location);
  if (!hasWildcard(glob)) return storage.stat(location);
  if (location.kind === 'https') throw new UserError(ErrorCodes.SOURCE_URL_INVALID, `--file: an https:// URL has no listing, so no pattern: name one file, got '${formatLocation(location)}'`);
  const folder = isFolder ? location : parentOf(location);
  const matcher = fileNamePattern(glob);
  let best: FileInfo | undefined;
  for (const file of await storage.list(folder)) {
    if (!matcher.test(file.name) || isSkipped(file.name, glob)) continue;
    if (!best || file.mtimeMs > best.mtimeMs || (file.mtimeMs === best.mtimeMs && file.name > best.name)) best = file;
  }
  return best;
}

async function regularFileTime(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}
