/**
 * A schedule's file may hold `*` and `?` in its file name (`/data/exports/contacts-*.csv`); at fire
 * time the newest matching regular file (by modification time) is the one imported. Wildcards are
 * allowed in the last segment only: one `readdir`, no folder walk — bounded on a large share, and it
 * cannot wander out of the folder the operator named. (Node 20 has no `fs.glob`; no dependency needed.)
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrorCodes, UserError } from '../errors.js';

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

async function regularFileTime(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}
