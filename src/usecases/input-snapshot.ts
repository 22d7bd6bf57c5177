/**
 * An import owns an immutable copy of its input, taken when the import is recorded: ingest, the
 * report, `relsync report` and `retry` read only that copy, so a user who fixes a row in Excel, or an
 * exporter that rewrites the file every night, never moves an outcome onto another row. (A dry run
 * records nothing and reads the file itself.) The copy lives in `<REPORT_DIR>/.inputs/<import id>.csv`
 * and is removed with the import's records at retention (usecases/prune-imports.ts).
 *
 * The SHA-256 of the content is computed while copying (the dedup key and the ledger need it, and the
 * file is read once). A file that changes while it is copied (size or modification time differ before
 * and after) is copied again, then refused with one line: half of an old file and half of a new one
 * must never be imported.
 *
 * A source on SFTP, S3 or HTTPS (src/storage/) is downloaded here, streaming, straight into the copy:
 * the one time its bytes sit on this machine's disk. A connection that breaks mid-file starts the file
 * again (src/storage/storage.ts `withRemoteRetries`); after the last try, one line names the URL.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rowOffsetsPath } from '../csv/row-offsets.js';
import type { Readable } from 'node:stream';
import type { RemoteSettings } from '../config/config.js';
import { ErrorCodes, isUserError, UserError } from '../errors.js';
import { formatLocation, isRemote, parseLocation, type Location } from '../storage/location.js';
import { openStorage, unreachable, withRemoteRetries, type FileInfo, type Storage } from '../storage/storage.js';

export interface InputSnapshot {
  /** Absolute path of the copy. */
  path: string;
  /** Hex SHA-256 of the content. */
  sha256: string;
  bytes: number;
}

/** Tries before a file that keeps changing is refused. */
const COPY_TRIES = 3;

export function snapshotDir(reportDir: string): string {
  return join(reportDir, '.inputs');
}

export function snapshotPath(reportDir: string, importId: string): string {
  return join(snapshotDir(reportDir), `${importId}.csv`);
}

export interface SnapshotOptions {
  reportDir: string;
  importId: string;
  /** Names the file in messages. */
  shownAs: string;
  /** How remote sources are reached; needed only when `source` is a URL. */
  remote?: RemoteSettings;
  /** RELSYNC_MAX_FILE_BYTES, checked against a remote file's size before it is downloaded. */
  maxFileBytes?: number;
  /**
   * The copy's URL in shared storage (RELSYNC_STORAGE, usecases/shared-storage.ts): the copy is
   * streamed there instead of to REPORT_DIR, and the snapshot's `path` is that URL.
   */
  sharedCopy?: string;
}

/** Copy `source` (a path, or an sftp://, s3:// or https:// URL) to the import's snapshot. */
export async function takeSnapshot(source: string, options: SnapshotOptions): Promise<InputSnapshot> {
  const target = snapshotPath(options.reportDir, options.importId);
  await mkdir(snapshotDir(options.reportDir), { recursive: true });
  if (options.sharedCopy) return uploadCopy(source, options.sharedCopy, options);
  if (isRemote(source)) return downloadFile(source, target, options);
  for (let attempt = 1; attempt <= COPY_TRIES; attempt += 1) {
    const before = await stat(source).catch((error: unknown) => {
      throw new UserError(ErrorCodes.FILE_NOT_FOUND, `${options.shownAs}: cannot read the file (${describe(error)})`, { cause: error });
    });
    const partial = `${target}.part`;
    const tee = hashingTee();
    try {
      await pipeline(createReadStream(source), tee, createWriteStream(partial, { mode: 0o600 }));
    } catch (error) {
      await rm(partial, { force: true });
      throw new UserError(ErrorCodes.FILE_INVALID, `${options.shownAs}: cannot copy the file for this import (${describe(error)})`, { cause: error });
    }
    const after = await stat(source);
    if (before.size === after.size && before.mtimeMs === after.mtimeMs && tee.bytes() === after.size) {
      await rename(partial, target);
      return { path: target, sha256: tee.sha256(), bytes: tee.bytes() };
    }
    await rm(partial, { force: true });
  }
  throw new UserError(ErrorCodes.FILE_INVALID, `${options.shownAs}: the file kept changing while it was read (${COPY_TRIES} tries); import it once the writer has finished`);
}

/**
 * Download a remote file to `target` (through `<target>.part`), hashing it on the way; a file that
 * changed during the download (size, time or tag) is downloaded again, then refused like a local one.
 */
export async function downloadFile(url: string, target: string, options: Omit<SnapshotOptions, 'reportDir' | 'importId'> & { storage?: Storage }): Promise<InputSnapshot> {
  if (!options.remote) throw new Error('downloadFile: remote settings are required for a URL');
  const remote = options.remote;
  const location = parseLocation(url, options.shownAs);
  const storage = options.storage ?? openStorage(remote);
  try {
    for (let attempt = 1; attempt <= COPY_TRIES; attempt += 1) {
      const copied = await withRemoteRetries(remote, location, async () => {
        const before = await storage.stat(location);
        if (!before) throw new UserError(ErrorCodes.FILE_NOT_FOUND, `${formatLocation(location)}: no such file`);
        if (options.maxFileBytes !== undefined && before.size > options.maxFileBytes) {
          throw new UserError(ErrorCodes.FILE_INVALID, `${formatLocation(location)}: expected at most ${options.maxFileBytes} bytes (RELSYNC_MAX_FILE_BYTES), got ${before.size}`);
        }
        const copy = await copyStream(await storage.read(location), `${target}.part`, location);
        const after = await storage.stat(location);
        return { ...copy, unchanged: after !== undefined && sameVersion(before, after) && (before.size < 0 || copy.bytes === after.size) };
      });
      if (copied.unchanged) {
        await rename(`${target}.part`, target);
        return { path: target, sha256: copied.sha256, bytes: copied.bytes };
      }
      await rm(`${target}.part`, { force: true });
    }
  } finally {
    if (!options.storage) await storage.close();
  }
  throw new UserError(ErrorCodes.FILE_INVALID, `${options.shownAs}: the file kept changing while it was read (${COPY_TRIES} tries); import it once the writer has finished`);
}

/** Stream `source` (a path or a URL) to `url` in shared storage, hashing it; a file that changed meanwhile is copied again. */
async function uploadCopy(source: string, url: string, options: SnapshotOptions): Promise<InputSnapshot> {
  if (!options.remote) throw new Error('uploadCopy: remote settings are required for RELSYNC_STORAGE');
  const remote = options.remote;
  const from: Location = isRemote(source) ? parseLocation(source, options.shownAs) : { kind: 'local', path: source };
  const to = parseLocation(url, 'RELSYNC_STORAGE');
  const storage = openStorage(remote);
  try {
    for (let attempt = 1; attempt <= COPY_TRIES; attempt += 1) {
      const copied = await withRemoteRetries(remote, from.kind === 'local' ? to : from, async () => {
        const before = await storage.stat(from);
        if (!before) throw new UserError(ErrorCodes.FILE_NOT_FOUND, `${formatLocation(from)}: no such file`);
        if (options.maxFileBytes !== undefined && before.size > options.maxFileBytes) {
          throw new UserError(ErrorCodes.FILE_INVALID, `${formatLocation(from)}: expected at most ${options.maxFileBytes} bytes (RELSYNC_MAX_FILE_BYTES), got ${before.size}`);
        }
        const tee = hashingTee();
        const body = await storage.read(from);
        const read = pipeline(body, tee).catch((error: unknown) => {
          throw isUserError(error) || (error as UserError).code === ErrorCodes.SOURCE_UNREACHABLE ? error : unreachable(from, `${(error as NodeJS.ErrnoException).code ?? (error as Error).message} mid-file`, error);
        });
        await Promise.all([storage.write(to, tee), read]);
        const after = await storage.stat(from);
        return { sha256: tee.sha256(), bytes: tee.bytes(), unchanged: after !== undefined && sameVersion(before, after) && (before.size < 0 || tee.bytes() === after.size) };
      });
      if (copied.unchanged) return { path: formatLocation(to), sha256: copied.sha256, bytes: copied.bytes };
    }
  } finally {
    await storage.close();
  }
  throw new UserError(ErrorCodes.FILE_INVALID, `${options.shownAs}: the file kept changing while it was read (${COPY_TRIES} tries); import it once the writer has finished`);
}

/** A pass-through stream that hashes (SHA-256) and counts what flows through it. */
function hashingTee(): Transform & { sha256: () => string; bytes: () => number } {
  const hash = createHash('sha256');
  let bytes = 0;
  let digest: string | undefined;
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return Object.assign(tee, { sha256: () => (digest ??= hash.digest('hex')), bytes: () => bytes });
}

function sameVersion(before: FileInfo, after: FileInfo): boolean {
  return before.size === after.size && before.mtimeMs === after.mtimeMs && before.etag === after.etag;
}

/** Stream `body` to `partial`, hashing it; a read that fails mid-way is the location's, never a disk's. */
async function copyStream(body: Readable, partial: string, location: Location): Promise<{ sha256: string; bytes: number }> {
  const tee = hashingTee();
  let readFailed: unknown;
  body.once('error', (error) => {
    readFailed = error;
  });
  try {
    await pipeline(body, tee, createWriteStream(partial, { mode: 0o600 }));
  } catch (error) {
    await rm(partial, { force: true });
    if (readFailed !== undefined) {
      throw isUserError(readFailed) || (readFailed as UserError).code === ErrorCodes.SOURCE_UNREACHABLE ? readFailed : unreachable(location, `${(readFailed as NodeJS.ErrnoException).code ?? (readFailed as Error).message} mid-file`, readFailed);
    }
    throw new UserError(ErrorCodes.FILE_INVALID, `${formatLocation(location)}: cannot copy the file for this import (${describe(error)})`, { cause: error });
  }
  return { sha256: tee.sha256(), bytes: tee.bytes() };
}

/**
 * Remove an import's snapshot (a duplicate that was not recorded, or retention) and the rows' offsets
 * ingest wrote beside it; `shared`: its copy in RELSYNC_STORAGE too.
 */
export async function dropSnapshot(reportDir: string, importId: string, shared?: { url: string; remote: RemoteSettings }): Promise<void> {
  await rm(snapshotPath(reportDir, importId), { force: true });
  await rm(rowOffsetsPath(snapshotPath(reportDir, importId)), { force: true });
  if (!shared) return;
  const storage = openStorage(shared.remote);
  try {
    await storage.remove(parseLocation(shared.url, 'RELSYNC_STORAGE'));
  } finally {
    await storage.close();
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return 'no space left on the device of REPORT_DIR';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return code ?? (error as Error).message;
}
