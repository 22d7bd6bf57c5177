/**
 * The report's rows without parsing the input again: each row's bytes are copied as they are from the
 * import's own copy of the input, at the byte ranges ingest recorded (csv/row-offsets.ts), and our
 * columns are appended (only they are quoted). Line breaks between rows become `\n`, as the parsing
 * path writes them; a row whose cell count is not the header's is parsed alone and padded or cut, so
 * both paths write the same cells. Used only for UTF-8 input whose header has none of our columns; the
 * report writer parses in every other case.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { RowOffsets, RowRange } from '../csv/row-offsets.js';
import type { RowOutcome } from '../domain/row-outcome.js';

/** Bytes read from the input at a time (more when one row is longer). */
const READ_BYTES = 1024 * 1024;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

export interface CopyLayout {
  /** The header's width: a row with another cell count is padded or cut to it. */
  width: number;
  delimiter: string;
  format: (cell: string) => string;
}

/** The input read forward through a window, so rows in file order are read once. */
export class InputWindow {
  readonly #handle: FileHandle;
  #bytes = Buffer.alloc(0);
  /** File offset of #bytes[0]. */
  #from = 0;
  /** Index in #bytes of the first quote at or after the last index asked (#bytes.length: none). */
  #quote = -1;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  static async open(path: string): Promise<InputWindow> {
    return new InputWindow(await open(path, 'r'));
  }

  holds(start: number, end: number): boolean {
    return start >= this.#from && end <= this.#from + this.#bytes.length;
  }

  /** Makes bytes [start, end) of the file readable through `bytes` at `start - offset`. */
  async ensure(start: number, end: number): Promise<void> {
    if (this.holds(start, end)) return;
    const size = Math.max(READ_BYTES, end - start);
    const bytes = this.#bytes.length === size ? this.#bytes : Buffer.allocUnsafe(size);
    const { bytesRead } = await this.#handle.read(bytes, 0, size, start);
    if (bytesRead < end - start) throw new RangeError(`the input ends at byte ${start + bytesRead}, before a row recorded at ingest (${end})`);
    this.#bytes = bytes.subarray(0, bytesRead);
    this.#from = start;
    this.#quote = -1;
  }

  /**
   * Index in `bytes` of the first quote at or after `index` (`bytes.length` if none). Rows are asked in
   * order, so the window is searched once, not once per row (a quote may be a megabyte away).
   */
  quoteFrom(index: number): number {
    if (this.#quote < index) {
      const found = this.#bytes.indexOf(QUOTE, index);
      this.#quote = found === -1 ? this.#bytes.length : found;
    }
    return this.#quote;
  }

  get bytes(): Buffer {
    return this.#bytes;
  }

  get offset(): number {
    return this.#from;
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}

/** A growing output buffer: rows copied in, our columns written after them. */
export class LineBuffer {
  #bytes = Buffer.allocUnsafe(256 * 1024);
  #used = 0;

  #room(bytes: number): void {
    if (this.#used + bytes <= this.#bytes.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, this.#used + bytes));
    this.#bytes.copy(bigger, 0, 0, this.#used);
    this.#bytes = bigger;
  }

  copy(from: Buffer, start: number, end: number): void {
    this.#room(end - start);
    this.#used += from.copy(this.#bytes, this.#used, start, end);
  }

  text(text: string): void {
    this.#room(text.length * 3); // a UTF-16 unit is at most 3 bytes of UTF-8
    this.#used += this.#bytes.write(text, this.#used, 'utf8');
  }

  get length(): number {
    return this.#used;
  }

  /** Bytes [from, length) as a copy (another buffer may take them while this one fills again). */
  slice(from: number): Buffer {
    return Buffer.from(this.#bytes.subarray(from, this.#used));
  }

  take(): Buffer {
    const taken = Buffer.from(this.#bytes.subarray(0, this.#used));
    this.#used = 0;
    return taken;
  }
}

/** The next `count` rows' ranges, in order. */
export function nextRanges(offsets: RowOffsets, count: number): RowRange[] {
  const ranges: RowRange[] = [];
  for (let i = 0; i < count; i++) {
    const range = { start: 0, end: 0, copyable: true };
    offsets.next(range);
    ranges.push(range);
  }
  return ranges;
}

/**
 * Appends one report line to `out`: the row's bytes (without the blank lines before it and its line
 * break), then our columns. The window must hold the row's range.
 */
export function copyLine(out: LineBuffer, input: InputWindow, range: RowRange, row: number, outcome: RowOutcome, layout: CopyLayout): void {
  const bytes = input.bytes;
  let start = range.start - input.offset;
  let end = range.end - input.offset;
  const { delimiter, format } = layout;
  // Blank lines before the row are in its range: a row never starts with a line break (one in a
  // quoted first cell comes after its quote).
  while (start < end && (bytes[start] === LF || bytes[start] === CR)) start++;
  if (end > start && bytes[end - 1] === LF) end--;
  if (end > start && bytes[end - 1] === CR) end--;
  if (range.copyable && (input.quoteFrom(start) >= end || isStrictCsv(bytes, start, end, layout.delimiter))) {
    out.copy(bytes, start, end);
  } else {
    out.text(paddedCells(bytes, start, end, layout));
  }
  out.text(`${delimiter}${row}${delimiter}${outcome.status}${delimiter}${format(outcome.code)}${delimiter}${format(outcome.message)}${delimiter}${format(outcome.zohoId ?? '')}\n`);
}

/**
 * Whether the row's bytes are CSV as strict readers take it: every quote in a cell that starts with a
 * quote, doubled inside it and closing it right before a delimiter or the end. The reader is lenient
 * (a quote inside an unquoted cell, `5" screen`, is text), the report must not be: such a row is
 * written from its cells, quoted as they need.
 */
function isStrictCsv(bytes: Buffer, start: number, end: number, delimiter: string): boolean {
  if (Buffer.byteLength(delimiter) !== 1) return false;
  // Searches below stop at `end`: a row is short, the window after it may be long.
  const row = bytes.subarray(0, end);
  const comma = delimiter.charCodeAt(0);
  let at = start;
  for (;;) {
    if (bytes[at] === QUOTE) {
      at += 1;
      for (;;) {
        const close = row.indexOf(QUOTE, at);
        if (close === -1 || close >= end) return false;
        if (close + 1 < end && bytes[close + 1] === QUOTE) {
          at = close + 2;
          continue;
        }
        at = close + 1;
        break;
      }
      if (at === end) return true;
      if (bytes[at] !== comma) return false;
      at += 1;
    } else {
      let next = row.indexOf(comma, at);
      if (next === -1 || next > end) next = end;
      const stray = row.indexOf(QUOTE, at);
      if (stray !== -1 && stray < next) return false;
      if (next >= end) return true;
      at = next + 1;
    }
  }
}

/** A row whose cell count is not the header's (or not strict CSV): parsed alone as the reader parses, padded or cut, formatted. */
function paddedCells(bytes: Buffer, start: number, end: number, layout: CopyLayout): string {
  const { delimiter, format, width } = layout;
  const records = start === end ? [] : (parse(bytes.subarray(start, end), {
    delimiter, record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true, relax_quotes: true, skip_empty_lines: true,
  }) as string[][]);
  const cells = records[0] ?? [];
  let line = '';
  for (let i = 0; i < width; i++) {
    if (i > 0) line += delimiter;
    line += format(cells[i] ?? '');
  }
  return line;
}
