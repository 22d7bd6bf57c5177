/**
 * A CSV's text encoding, decided from its first bytes, and the step that turns its chunks into the
 * UTF-8 bytes csv-parse reads. Only what is unambiguous is converted:
 *
 * | the file starts with / the profile says          | relsync                                         |
 * |--------------------------------------------------|-------------------------------------------------|
 * | a UTF-8 BOM, or no BOM                           | checks it is valid UTF-8; bytes pass unchanged   |
 * | a UTF-16 LE or BE BOM                            | converts to UTF-8 while streaming                |
 * | a UTF-32 BOM                                     | refuses: not supported                          |
 * | NUL bytes on the header line                     | refuses: UTF-16 without a BOM, or not text       |
 * | `csv.encoding: "latin1"` (and no BOM)            | converts from Windows-1252 (a superset of Latin-1) |
 *
 * Invalid UTF-8 is refused, not guessed at: the same bytes read as Latin-1 or as something else would
 * send different ids to Zoho. The message says which byte, on which line, and how to fix it.
 */
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';

/** What a profile may declare in `csv.encoding`. `latin1` reads Windows-1252, as every browser does. */
export const CSV_ENCODINGS = ['utf-8', 'latin1'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/** The encoding a file was read in, as found: named in messages. */
export type FoundEncoding = 'UTF-8' | 'UTF-16LE' | 'UTF-16BE' | 'Windows-1252';

/**
 * Why bytes could not be read as text. `offset` is where in the file (in bytes); the reader turns it
 * into a line number (see lineAtOffset) because only it may read the file again.
 */
export class EncodingProblem extends Error {
  constructor(
    readonly offset: number,
    readonly found: FoundEncoding,
    /** The sentence after "line N: ". */
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'EncodingProblem';
  }
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Stateful: one per pass over a file. `decode` returns the bytes to parse (the same Buffer, untouched,
 * for UTF-8: no copy on the common path) and throws EncodingProblem; `end` flushes what a chunk
 * boundary held back.
 */
export class ChunkDecoder {
  #mode: FoundEncoding | undefined;
  /** File offset of the next chunk's first byte. */
  #offset = 0;
  /** UTF-8: the bytes of a sequence cut by the chunk boundary, validated with the next chunk. */
  #carry: Buffer | undefined;
  /** UTF-16: a byte or a high surrogate cut by the chunk boundary. */
  #utf16Carry: Buffer | undefined;
  /** First bytes too few to tell a byte-order mark by (a read shorter than 4 bytes). */
  #head: Buffer | undefined;
  #bom = false;
  readonly #declared: CsvEncoding;

  constructor(declared: CsvEncoding = 'utf-8') {
    this.#declared = declared;
  }

  /** Known after the first chunk. */
  get encoding(): FoundEncoding | undefined {
    return this.#mode;
  }

  /** The file started with a byte-order mark (UTF-8 or UTF-16); known after the first chunk. */
  get bom(): boolean {
    return this.#bom;
  }

  decode(chunk: Buffer): Buffer {
    if (this.#mode !== undefined) {
      const start = this.#offset;
      this.#offset += chunk.length;
      return this.#decodeBody(chunk, start);
    }
    const head = this.#head === undefined ? chunk : Buffer.concat([this.#head, chunk]);
    if (head.length < 4) {
      this.#head = head;
      return EMPTY;
    }
    this.#head = undefined;
    return this.#decodeFirst(head);
  }

  #decodeFirst(chunk: Buffer): Buffer {
    const start = this.#offset;
    this.#offset += chunk.length;
    const { mode, bomBytes } = sniff(chunk, this.#declared);
    this.#mode = mode;
    this.#bom = bomBytes > 0;
    const body = chunk.subarray(bomBytes);
    if (mode === 'UTF-8' || mode === 'Windows-1252') checkHeaderLine(body, start + bomBytes);
    // csv-parse drops a UTF-8 BOM itself; a UTF-16 one goes here.
    return mode === 'UTF-8' ? this.#decodeBody(chunk, start) : this.#decodeBody(body, start + bomBytes);
  }

  /** The rest held back at a chunk boundary; throws if the file ends inside a character. */
  end(): Buffer | undefined {
    if (this.#head !== undefined) {
      const head = this.#head;
      this.#head = undefined;
      const rest = this.#decodeFirst(head);
      this.end();
      return rest;
    }
    if (this.#carry !== undefined) {
      throw new EncodingProblem(this.#offset - this.#carry.length, 'UTF-8', `not valid UTF-8 (the file ends inside a character)${UTF8_FIX}`);
    }
    if (this.#utf16Carry !== undefined) {
      const found = this.#mode ?? 'UTF-16LE';
      throw new EncodingProblem(this.#offset - this.#utf16Carry.length, found, `not valid ${found} (the file ends inside a character)`);
    }
    return undefined;
  }

  #decodeBody(body: Buffer, offset: number): Buffer {
    switch (this.#mode) {
      case 'UTF-16LE':
      case 'UTF-16BE':
        return this.#decodeUtf16(body, offset);
      case 'Windows-1252':
        return Buffer.from(decodeWindows1252(body), 'utf8');
      default:
        this.#checkUtf8(body, offset);
        return body;
    }
  }

  /** Validates without copying: a sequence cut by the boundary is checked once the next chunk completes it. */
  #checkUtf8(chunk: Buffer, offset: number): void {
    let from = 0;
    if (this.#carry !== undefined) {
      const carry = this.#carry;
      const needed = sequenceLength(carry[0] as number) - carry.length;
      if (chunk.length < needed) {
        this.#carry = Buffer.concat([carry, chunk]);
        return;
      }
      this.#carry = undefined;
      const joined = Buffer.concat([carry, chunk.subarray(0, needed)]);
      if (!isUtf8(joined)) throw invalidUtf8(joined, offset - carry.length);
      from = needed;
    }
    const tail = incompleteTail(chunk, from);
    const to = chunk.length - tail;
    if (!isUtf8(chunk.subarray(from, to))) throw invalidUtf8(chunk.subarray(from, to), offset + from);
    if (tail > 0) this.#carry = Buffer.from(chunk.subarray(to));
  }

  /** The slow path, for UTF-16 files only: decode, check surrogates pair up, re-encode as UTF-8. */
  #decodeUtf16(chunk: Buffer, offset: number): Buffer {
    const carried = this.#utf16Carry?.length ?? 0;
    const bytes = carried > 0 ? Buffer.concat([this.#utf16Carry as Buffer, chunk]) : chunk;
    this.#utf16Carry = undefined;
    const start = offset - carried;
    let usable = bytes.length & ~1;
    const little = this.#mode === 'UTF-16LE';
    const unitAt = (i: number): number => (little ? (bytes[i] as number) | ((bytes[i + 1] as number) << 8) : ((bytes[i] as number) << 8) | (bytes[i + 1] as number));
    // A high surrogate last in the chunk waits for its partner in the next one.
    if (usable >= 2 && isHighSurrogate(unitAt(usable - 2))) usable -= 2;
    if (usable < bytes.length) this.#utf16Carry = Buffer.from(bytes.subarray(usable));
    const units = little ? bytes.subarray(0, usable) : swapBytes(bytes.subarray(0, usable));
    const text = units.toString('utf16le');
    const bad = loneSurrogateAt(text);
    if (bad !== -1) {
      throw new EncodingProblem(start + bad * 2, this.#mode as FoundEncoding, `not valid ${this.#mode} (an unpaired surrogate, U+${text.charCodeAt(bad).toString(16).toUpperCase()})`);
    }
    return Buffer.from(text, 'utf8');
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Windows-1252's 0x80-0x9F (where it differs from Latin-1); the 5 bytes it leaves undefined stay the
 * C1 controls Latin-1 gives them. Written out because Node 20's TextDecoder('windows-1252') decodes
 * these as Latin-1 (fixed only in later Node versions).
 */
const WINDOWS_1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWindows1252(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  return /[\u0080-\u009f]/.test(text) ? text.replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80] as string) : text;
}
const UTF8_FIX = '; save it as UTF-8';

function sniff(chunk: Buffer, declared: CsvEncoding): { mode: FoundEncoding; bomBytes: number } {
  const [b0, b1, b2, b3] = chunk;
  if ((b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)) {
    throw new EncodingProblem(0, 'UTF-8', 'the file is UTF-32 (by its byte-order mark), which relsync does not read; save it as UTF-8');
  }
  if (b0 === 0xff && b1 === 0xfe) return { mode: 'UTF-16LE', bomBytes: 2 };
  if (b0 === 0xfe && b1 === 0xff) return { mode: 'UTF-16BE', bomBytes: 2 };
  if (b0 === UTF8_BOM[0] && b1 === UTF8_BOM[1] && b2 === UTF8_BOM[2]) return { mode: 'UTF-8', bomBytes: 3 };
  return { mode: declared === 'latin1' ? 'Windows-1252' : 'UTF-8', bomBytes: 0 };
}

/**
 * NUL bytes in a header are never text: usually UTF-16 saved without its byte-order mark (every ASCII
 * character is then followed or preceded by a 0), which would otherwise parse into nonsense names.
 */
function checkHeaderLine(chunk: Buffer, offset: number): void {
  const newline = chunk.indexOf(0x0a);
  const nul = chunk.indexOf(0);
  if (nul === -1 || (newline !== -1 && nul > newline)) return;
  const sample = chunk.subarray(0, Math.min(chunk.length, newline === -1 ? 64 : Math.min(newline, 64)));
  let zeros = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) zeros++;
  const detail = zeros * 2 >= sample.length - 1
    ? 'the header has NUL bytes between its characters: this looks like UTF-16 saved without a byte-order mark; save it as UTF-8 (or as UTF-16 with a BOM)'
    : 'the header has NUL bytes: this is a binary file, not CSV text';
  throw new EncodingProblem(offset + nul, 'UTF-8', detail);
}

/** Length of the UTF-8 sequence a lead byte starts (1 for anything that is not a lead byte). */
function sequenceLength(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/** Bytes at the end of `chunk` (after `from`) that start a sequence the chunk does not complete. */
function incompleteTail(chunk: Buffer, from: number): number {
  for (let back = 1; back <= 3 && chunk.length - back >= from; back++) {
    const byte = chunk[chunk.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for its lead
    return byte >= 0xc2 && byte <= 0xf4 && sequenceLength(byte) > back ? back : 0; // only a real lead byte waits
  }
  return 0;
}

/** Only on the error path: where exactly the bytes stop being UTF-8, and what they look like. */
function invalidUtf8(bytes: Buffer, offset: number): EncodingProblem {
  const at = firstInvalidUtf8(bytes);
  const byte = bytes[at] as number;
  const hex = `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  const asLatin = decodeWindows1252(bytes.subarray(at, at + 1));
  // Any byte Windows-1252 maps to a printable character (not a C1 control) reads as Latin text.
  const looksLatin = byte >= 0x80 && asLatin.charCodeAt(0) > 0x9f;
  const detail = looksLatin
    ? `not valid UTF-8 (looks like Latin-1 / Windows-1252: byte ${hex} would be '${asLatin}')${UTF8_FIX}, or set "csv": { "encoding": "latin1" } in the profile`
    : `not valid UTF-8 (byte ${hex})${UTF8_FIX}`;
  return new EncodingProblem(offset + at, 'UTF-8', detail);
}

function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length = lead >= 0xc2 && lead <= 0xf4 ? sequenceLength(lead) : 0;
    if (length === 0 || i + length > bytes.length || !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return Math.max(0, bytes.length - 1);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** Index of the first surrogate without its partner, or -1. */
function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (isHighSurrogate(unit)) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

function swapBytes(bytes: Buffer): Buffer {
  return Buffer.from(bytes).swap16();
}

/**
 * 1-based line of byte `offset` in a file's text, counting line breaks as the reader does (CRLF, LF
 * and CR each end a line). Fed the file's bytes from the start, in order, up to `offset`.
 */
export class LineCounter {
  #lines = 1;
  #afterCr = false;

  constructor(private readonly unitBytes: 1 | 2, private readonly littleEndian = true) {}

  feed(bytes: Buffer): void {
    const step = this.unitBytes;
    for (let i = 0; i + step <= bytes.length; i += step) {
      const unit = step === 1 ? (bytes[i] as number) : this.littleEndian ? (bytes[i] as number) | ((bytes[i + 1] as number) << 8) : ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
      if (unit === 0x0a) {
        if (!this.#afterCr) this.#lines++;
        this.#afterCr = false;
      } else {
        if (unit === 0x0d) this.#lines++;
        this.#afterCr = unit === 0x0d;
      }
    }
  }

  get line(): number {
    return this.#lines;
  }
}

/** Only on the error path: the line of byte `offset`, read again from the start of the file. */
export async function lineAtOffset(path: string, offset: number, found: FoundEncoding): Promise<number> {
  const counter = found === 'UTF-16LE' || found === 'UTF-16BE' ? new LineCounter(2, found === 'UTF-16LE') : new LineCounter(1);
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    for (let position = 0; position < offset; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, offset - position), position);
      if (bytesRead === 0) break;
      counter.feed(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return counter.line;
}
