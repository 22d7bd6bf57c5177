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
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rowOffsetsPath } from '../csv/row-offsets.js';
import { ErrorCodes, UserError } from '../errors.js';

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

/** Copy `source` to the import's snapshot; `shownAs` names the file in messages. */
export async function takeSnapshot(source: string, options: { reportDir: string; importId: string; shownAs: string }): Promise<InputSnapshot> {
  const target = snapshotPath(options.reportDir, options.importId);
  await mkdir(snapshotDir(options.reportDir), { recursive: true });
  for (let attempt = 1; attempt <= COPY_TRIES; attempt += 1) {
    const before = await stat(source).catch((error: unknown) => {
      throw new UserError(ErrorCodes.FILE_NOT_FOUND, `${options.shownAs}: cannot read the file (${describe(error)})`, { cause: error });
    });
    const partial = `${target}.part`;
    const hash = createHash('sha256');
    let bytes = 0;
    const tee = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(createReadStream(source), tee, createWriteStream(partial, { mode: 0o600 }));
    } catch (error) {
      await rm(partial, { force: true });
      throw new UserError(ErrorCodes.FILE_INVALID, `${options.shownAs}: cannot copy the file for this import (${describe(error)})`, { cause: error });
    }
    const after = await stat(source);
    if (before.size === after.size && before.mtimeMs === after.mtimeMs && bytes === after.size) {
      await rename(partial, target);
      return { path: target, sha256: hash.digest('hex'), bytes };
    }
    await rm(partial, { force: true });
  }
  throw new UserError(ErrorCodes.FILE_INVALID, `${options.shownAs}: the file kept changing while it was read (${COPY_TRIES} tries); import it once the writer has finished`);
}

/** Remove an import's snapshot (a duplicate that was not recorded, or retention), and the rows' offsets ingest wrote beside it. */
export async function dropSnapshot(reportDir: string, importId: string): Promise<void> {
  await rm(snapshotPath(reportDir, importId), { force: true });
  await rm(rowOffsetsPath(snapshotPath(reportDir, importId)), { force: true });
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return 'no space left on the device of REPORT_DIR';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return code ?? (error as Error).message;
}
