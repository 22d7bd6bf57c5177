/**
 * Where each data row of a CSV file is, in its bytes: written by ingest while it reads the import's own
 * copy of the input (usecases/input-snapshot.ts), so the report can copy every row's bytes as they are
 * and append its columns, instead of parsing the file again. Kept in a file beside the copy (about two
 * bytes a row on disk, nothing in Redis), removed with it.
 *
 * Layout: a 40-byte header, then two unsigned LEB128 varints a row:
 *   header  "RSROWS01", then float64 LE: the input's size, its mtime (ms), the rows, the delimiter's code
 *   row     gap: bytes from the previous row's end to this row's start (blank or delimiter-only lines
 *           between them belong to the row's range anyway; see CsvRecord.start), then length·2 + flag.
 *           flag 1: the row cannot be copied as it is (its cell count is not the header's, so the report
 *           pads or cuts it; length 0: a malformed remainder, no cells at all).
 *
 * A file that does not match the input (size, mtime, delimiter) is ignored: the report parses instead.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';

const MAGIC = 'RSROWS01';
const HEADER_BYTES = 40;
const FLUSH_BYTES = 64 * 1024;

export function rowOffsetsPath(inputPath: string): string {
  return `${inputPath}.rows`;
}

/** Appends rows in order; `finish` makes the file appear (atomically) once every row is in. */
export class RowOffsetsWriter {
  #handle: FileHandle | undefined;
  readonly #path: string;
  #buffer = Buffer.allocUnsafe(FLUSH_BYTES + 32);
  #used = 0;
  #position = HEADER_BYTES;
  #previousEnd = 0;
  #rows = 0;

  private constructor(path: string, handle: FileHandle) {
    this.#path = path;
    this.#handle = handle;
  }

  static async create(path: string): Promise<RowOffsetsWriter> {
    return new RowOffsetsWriter(path, await open(`${path}.part`, 'w', 0o600));
  }

  /**
   * One row: its byte range, and whether it can be copied as it is. A malformed remainder has no range.
   * Held in memory until `flush` (call it once per batch of rows, not per row: no promise per row).
   */
  add(start: number | undefined, end: number | undefined, copyable: boolean): void {
    if (this.#used + 32 > this.#buffer.length) {
      const bigger = Buffer.allocUnsafe(this.#buffer.length * 2);
      this.#buffer.copy(bigger, 0, 0, this.#used);
      this.#buffer = bigger;
    }
    if (start === undefined || end === undefined) {
      this.#varint(0);
      this.#varint(1);
    } else {
      this.#varint(start - this.#previousEnd);
      this.#varint((end - start) * 2 + (copyable ? 0 : 1));
      this.#previousEnd = end;
    }
    this.#rows += 1;
  }

  async finish(input: { path: string; delimiter: string }): Promise<void> {
    await this.flush();
    const info = await stat(input.path);
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(MAGIC, 0, 'latin1');
    header.writeDoubleLE(info.size, 8);
    header.writeDoubleLE(info.mtimeMs, 16);
    header.writeDoubleLE(this.#rows, 24);
    header.writeDoubleLE(input.delimiter.charCodeAt(0), 32);
    await this.#handle!.write(header, 0, HEADER_BYTES, 0);
    await this.#handle!.close();
    this.#handle = undefined;
    await rename(`${this.#path}.part`, this.#path);
  }

  /** Stop and remove the partial file (ingest failed: no report will read it). */
  async abort(): Promise<void> {
    await this.#handle?.close().catch(() => undefined);
    this.#handle = undefined;
    await rm(`${this.#path}.part`, { force: true });
  }

  #varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.#buffer[this.#used++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.#buffer[this.#used++] = rest;
  }

  /** Write what `add` holds. */
  async flush(): Promise<void> {
    if (this.#used === 0) return;
    await this.#handle!.write(this.#buffer, 0, this.#used, this.#position);
    this.#position += this.#used;
    this.#used = 0;
  }
}

/** One row's range, as RowOffsets.next gives it; `copyable` false: pad or cut its cells (none if `start === end`). */
export interface RowRange {
  start: number;
  end: number;
  copyable: boolean;
}

/** The rows' ranges, read in order. */
export class RowOffsets {
  readonly rows: number;
  readonly #bytes: Buffer;
  #at = HEADER_BYTES;
  #previousEnd = 0;

  private constructor(bytes: Buffer, rows: number) {
    this.#bytes = bytes;
    this.rows = rows;
  }

  /** The file's ranges if it was written for this very input and delimiter; undefined otherwise (or if there is none). */
  static async open(path: string, input: { path: string; delimiter: string }): Promise<RowOffsets | undefined> {
    const [bytes, info] = await Promise.all([readFileOrNothing(path), stat(input.path)]);
    if (bytes === undefined || bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 8) !== MAGIC) return undefined;
    if (bytes.readDoubleLE(8) !== info.size || bytes.readDoubleLE(16) !== info.mtimeMs || bytes.readDoubleLE(32) !== input.delimiter.charCodeAt(0)) return undefined;
    return new RowOffsets(bytes, bytes.readDoubleLE(24));
  }

  /** The next row's range, into `into` (no object per row). */
  next(into: RowRange): void {
    const gap = this.#varint();
    const value = this.#varint();
    const length = Math.floor(value / 2);
    into.start = this.#previousEnd + gap;
    into.end = into.start + length;
    into.copyable = value % 2 === 0;
    if (length > 0) this.#previousEnd = into.end;
  }

  #varint(): number {
    const bytes = this.#bytes;
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.#at >= bytes.length) throw new RangeError('row offsets: the file ends inside a row');
      const byte = bytes[this.#at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  }
}

async function readFileOrNothing(path: string): Promise<Buffer | undefined> {
  try {
    const handle = await open(path, 'r');
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
