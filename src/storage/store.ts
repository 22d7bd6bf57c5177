/** What every kind of store offers (src/storage/storage.ts picks one by the location's kind). */
import type { Readable } from 'node:stream';
import { ErrorCodes, RelsyncError } from '../errors.js';
import { formatLocation, type Location } from './location.js';

export interface FileInfo {
  location: Location;
  name: string;
  size: number;
  mtimeMs: number;
  /** The store's content tag (S3's ETag, an HTTP ETag), when it has one. */
  etag?: string;
}

/** What each kind of store does; `Storage` picks one by the location's kind. */
export interface Store<L extends Location = Location> {
  /** The file's size and time, or undefined when there is none (a folder is not a file). */
  stat(location: L): Promise<FileInfo | undefined>;
  read(location: L): Promise<Readable>;
  /** Writes the whole stream; the file appears at its name only once complete. */
  write(location: L, body: Readable): Promise<void>;
  /** The regular files directly in a folder (or under a key prefix ending at `/`); none when it does not exist. */
  list(folder: L): Promise<FileInfo[]>;
  /**
   * Moves a file: a rename on disk and on SFTP, a copy then a delete on S3. False when the source was
   * not there (another worker moved it first).
   */
  move(from: L, to: L): Promise<boolean>;
  remove(location: L): Promise<void>;
  close(): Promise<void>;
}

/** A store that cannot be reached, or a connection that broke: one line naming the location. */
export function unreachable(location: Location, detail: string, cause?: unknown): RelsyncError {
  return new RelsyncError(ErrorCodes.SOURCE_UNREACHABLE, `${formatLocation(location)}: cannot be reached (${detail})`, { cause });
}

export function isUnreachable(error: unknown): boolean {
  return error instanceof RelsyncError && error.code === ErrorCodes.SOURCE_UNREACHABLE;
}

