/**
 * Streams a CSV file as records of raw cells. Ingest and report writing both read through openCsv, so
 * row N of the one is row N of the other: numbering depends only on the file's bytes and the options.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { CsvError, Parser } from 'csv-parse';
import { ErrorCodes, UserError } from '../errors.js';
import { OutcomeCodes } from '../domain/row-outcome.js';
import { detectDelimiter } from './delimiter.js';
import { ChunkDecoder, EncodingProblem, lineAtOffset, type CsvEncoding, type FoundEncoding } from './encoding.js';

export interface CsvRecord {
  /**
   * 1-based index of the data row: the header is not counted, blank lines are not rows. A line of
   * only delimiters (`,,,`, Excel's `;;;` leftovers) is a blank line too (see RecordCapture.push).
   */
  row: number;
  /** The cells exactly as in the file (quotes removed, nothing trimmed); empty for a malformed remainder. */
  cells: string[];
  /** 1-based line of the file on which the record starts. */
  line: number;
  /** Set when the record could not be read as a row (code MALFORMED_ROW); it still counts as a row. */
  error?: { code: string; message: string };
  /**
   * Where the record's bytes are in what the parser read (the file's own bytes, for UTF-8): from the end
   * of the record before it (so blank lines before it are included) to the end of its line break.
   * Not set on a malformed remainder.
   */
  start?: number;
  end?: number;
}

export interface CsvSource {
  header: string[];
  /** Each iteration re-reads the file from the start, lazily, and closes it when done or abandoned. */
  records: AsyncIterable<CsvRecord>;
  /** The same records, as many at a time as one read of the file gave: no promise per record. */
  batches: AsyncIterable<CsvRecord[]>;
  /** The delimiter the file is read with: the one asked for, or the one detected from its header. */
  delimiter: string;
  /** The encoding the file's bytes were read in (its BOM's, else the one asked for). */
  encoding: FoundEncoding;
  /** The file starts with a byte-order mark (UTF-8 or UTF-16): the report then starts with one too. */
  bom: boolean;
}

export interface CsvReadOptions {
  /**
   * Field delimiter, one character other than a quote or line break. Default: detected from the
   * header line (',', ';' or tab, whichever occurs most outside quotes; ',' when none does).
   */
  delimiter?: string;
  /** How bytes without a byte-order mark are read (see encoding.ts). Default 'utf-8'. */
  encoding?: CsvEncoding;
  /**
   * Longest record csv-parse will buffer, in bytes (its `max_record_size`, which bounds the whole
   * record and so every field). Default 1 MiB. It keeps memory bounded when a stray quote would
   * otherwise swallow the rest of the file into one field; a longer record fails the whole read.
   */
  maxFieldBytes?: number;
  /**
   * How messages name the file. Default: its path. An import reads its own copy of the input
   * (usecases/input-snapshot.ts) but names the file the user gave.
   */
  shownAs?: string;
}

export const DEFAULT_MAX_FIELD_BYTES = 1024 * 1024;

/**
 * Bytes read per parser write. Bigger chunks keep more records alive at once, which V8 then promotes
 * to old space: 256 KiB cost ~50 MB more peak RSS on 1M rows, for no measurable speed.
 */
const READ_CHUNK_BYTES = 64 * 1024;

/** The file read, and the name messages give it. */
interface SourceFile {
  path: string;
  name: string;
}

export async function openCsv(path: string, options: CsvReadOptions = {}): Promise<CsvSource> {
  const requested = normalizeOptions(options);
  const file: SourceFile = { path, name: options.shownAs ?? path };
  const sniffed = await sniffFile(file, requested);
  const settings = { ...requested, delimiter: requested.delimiter ?? sniffed.delimiter };
  const header = await readHeader(file, settings);
  return {
    header,
    delimiter: settings.delimiter,
    encoding: sniffed.encoding,
    bom: sniffed.bom,
    records: { [Symbol.asyncIterator]: () => dataRecords(file, settings, header) },
    batches: { [Symbol.asyncIterator]: () => dataBatches(file, settings, header) },
  };
}

interface Settings {
  delimiter: string;
  encoding: CsvEncoding | undefined;
  maxFieldBytes: number;
}

function normalizeOptions(options: CsvReadOptions): Omit<Settings, 'delimiter'> & { delimiter: string | undefined } {
  const delimiter = options.delimiter;
  if (delimiter !== undefined && (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n')) {
    throw new UserError(
      ErrorCodes.PROFILE_INVALID,
      `csv.delimiter: expected one character other than a quote or line break, got ${JSON.stringify(delimiter)}`,
    );
  }
  const maxFieldBytes = options.maxFieldBytes ?? DEFAULT_MAX_FIELD_BYTES;
  if (!Number.isSafeInteger(maxFieldBytes) || maxFieldBytes < 1) {
    throw new RangeError(`maxFieldBytes: expected a positive integer, got ${String(maxFieldBytes)}`);
  }
  return { delimiter, encoding: options.encoding, maxFieldBytes };
}

/** Encoding and delimiter from the first chunk (the delimiter from the header line in it). */
async function sniffFile(file: SourceFile, settings: Pick<Settings, 'encoding'>): Promise<{ delimiter: string; encoding: FoundEncoding; bom: boolean }> {
  const handle = await openFile(file);
  try {
    const decoder = new ChunkDecoder(settings.encoding);
    const chunk = await readChunk(handle, file);
    const bytes = chunk === undefined ? undefined : await decodeChunk(decoder, chunk, file);
    return { delimiter: bytes === undefined ? ',' : detectDelimiter(bytes), encoding: decoder.encoding ?? 'UTF-8', bom: decoder.bom };
  } finally {
    await handle.close();
  }
}

/** The chunk as UTF-8 bytes for the parser (undefined at the end of the file); bad bytes fail the read. */
async function decodeChunk(decoder: ChunkDecoder, chunk: Buffer | undefined, file: SourceFile): Promise<Buffer | undefined> {
  try {
    if (chunk !== undefined) return decoder.decode(chunk);
    const rest = decoder.end(); // bytes held back to tell a BOM by, in a file shorter than 4 bytes
    return rest !== undefined && rest.length > 0 ? rest : undefined;
  } catch (error) {
    if (!(error instanceof EncodingProblem)) throw error;
    const line = await lineAtOffset(file.path, error.offset, error.found);
    throw new UserError(ErrorCodes.FILE_INVALID, `${file.name}: line ${line}: ${error.detail}`, { cause: error });
  }
}

async function readHeader(file: SourceFile, settings: Settings): Promise<string[]> {
  for await (const batch of parseFile(file, settings)) {
    const header = batch.cells[0];
    if (header !== undefined) return header; // leaving the loop closes the file
    if (batch.failure) throw fileInvalid(file, batch.failure);
  }
  throw new UserError(ErrorCodes.FILE_INVALID, `${file.name}: the file is empty; expected a header line`);
}

async function* dataRecords(file: SourceFile, settings: Settings, header: string[]): AsyncGenerator<CsvRecord> {
  for await (const batch of dataBatches(file, settings, header)) yield* batch;
}

async function* dataBatches(file: SourceFile, settings: Settings, header: string[]): AsyncGenerator<CsvRecord[]> {
  let row = 0;
  let headerSeen = false;
  for await (const { cells, lines, ends, failure } of parseFile(file, settings)) {
    let first = 0;
    if (!headerSeen && cells.length > 0) {
      assertSameHeader(file, header, cells[0] as string[]);
      headerSeen = true;
      first = 1;
    }
    const records: CsvRecord[] = [];
    for (let i = first; i < cells.length; i++) {
      records.push({ row: ++row, cells: cells[i] as string[], line: lines[i] as number, start: ends[2 * i] as number, end: ends[2 * i + 1] as number });
    }
    if (failure !== undefined) {
      if (!headerSeen) throw fileInvalid(file, failure);
      const error = { code: OutcomeCodes.MALFORMED_ROW, message: failure.message };
      records.push({ row: ++row, cells: [], line: failure.line, error });
    }
    if (records.length > 0) yield records;
  }
}

function assertSameHeader(file: SourceFile, expected: string[], actual: string[]): void {
  if (actual.length === expected.length && actual.every((cell, i) => cell === expected[i])) return;
  throw new UserError(ErrorCodes.FILE_INVALID, `${file.name}: the header changed while the file was being read`);
}

/** Where parsing had to stop, as the rest of the file seen from the record that was being read. */
interface Failure {
  line: number;
  message: string;
}

interface ParsedBatch {
  cells: string[][];
  lines: number[];
  /** Each record's start and end byte offsets, two numbers a record (see CsvRecord.start). */
  ends: number[];
  failure?: Failure;
}

/** Parses the whole file (header included) in batches, one per chunk read; closes it on every exit. */
async function* parseFile(file: SourceFile, settings: Settings): AsyncGenerator<ParsedBatch> {
  const handle = await openFile(file);
  try {
    const parser = new RecordCapture(settings);
    const decoder = new ChunkDecoder(settings.encoding);
    for (;;) {
      const chunk = await decodeChunk(decoder, await readChunk(handle, file), file);
      const error = chunk === undefined ? await endParser(parser) : await writeParser(parser, chunk);
      const batch = parser.takeRecords();
      if (error !== undefined) {
        yield { ...batch, failure: describeFailure(error, parser, file, settings) };
        return;
      }
      if (batch.cells.length > 0) yield batch;
      if (chunk === undefined) return;
    }
  } finally {
    await handle.close();
  }
}

async function openFile(file: SourceFile): Promise<FileHandle> {
  try {
    return await open(file.path, 'r');
  } catch (error) {
    throw fileError(file, error);
  }
}

async function readChunk(handle: FileHandle, file: SourceFile): Promise<Buffer | undefined> {
  // A fresh buffer each time: csv-parse keeps a view of the unparsed tail between writes.
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  try {
    const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK_BYTES, null);
    return bytesRead === 0 ? undefined : buffer.subarray(0, bytesRead);
  } catch (error) {
    throw fileError(file, error);
  }
}

function fileError(file: SourceFile, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError(ErrorCodes.FILE_NOT_FOUND, `${file.name}: no such file`, { cause: error });
  const what =
    code === 'EISDIR' ? 'is a directory, not a CSV file'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : `cannot be read (${code ?? String(error)})`;
  return new UserError(ErrorCodes.FILE_INVALID, `${file.name}: ${what}`, { cause: error });
}

function fileInvalid(file: SourceFile, failure: Failure): UserError {
  return new UserError(ErrorCodes.FILE_INVALID, `${file.name}: line ${failure.line}: ${failure.message}`);
}

/**
 * An unclosed quote leaves csv-parse no way to find where the next row starts: by CSV's own rules the
 * rest of the file is that one (malformed) row, so it becomes one MALFORMED_ROW and nothing is lost.
 * A record past the size limit is different: a genuine long field may be followed by rows we would
 * silently drop, so the whole read fails, naming the line and the setting. Anything else means we
 * are not reading CSV at all.
 */
function describeFailure(error: Error, parser: RecordCapture, file: SourceFile, settings: Settings): Failure {
  const line = parser.pendingLine();
  const code = error instanceof CsvError ? error.code : undefined;
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    const message = `a quote opened in this row (line ${line}) is never closed, so the rest of the file could not be read as rows`;
    return { line, message };
  }
  if (code === 'CSV_MAX_RECORD_SIZE') {
    const message =
      `${file.name}: line ${line}: expected a row of at most ${settings.maxFieldBytes} bytes (RELSYNC_MAX_FIELD_BYTES), ` +
      'got a longer one: a field that long, or a quote opened here and never closed; fix the file or raise RELSYNC_MAX_FIELD_BYTES';
    throw new UserError(ErrorCodes.FILE_INVALID, message, { cause: error });
  }
  throw new UserError(ErrorCodes.FILE_INVALID, `${file.name}: line ${line}: ${error.message}`, { cause: error });
}

function writeParser(parser: RecordCapture, chunk: Buffer): Promise<Error | undefined> {
  return new Promise((resolve) => parser.write(chunk, (error) => resolve(error ?? undefined)));
}

function endParser(parser: RecordCapture): Promise<Error | undefined> {
  return new Promise((resolve) => parser.end((error?: Error | null) => resolve(error ?? undefined)));
}

/**
 * csv-parse hands every record to push() synchronously while it parses a chunk. Capturing records
 * there, instead of through `on_record` (which builds an info snapshot per record: 2.5x slower on 1M
 * rows) or the readable side (whose buffered records are dropped when the stream errors), keeps every
 * record before an end-of-file error and lets us number lines at the moment each record ends.
 */
class RecordCapture extends Parser {
  private cells: string[][] = [];
  private lines: number[] = [];
  private ends: number[] = [];
  /** Byte offset just past the last record pushed, kept or not (a line of delimiters is one too). */
  private lastEnd = 0;
  /** Line on which the next record starts, unless blank lines come first. */
  private nextLine = 1;
  private blankLinesSeen = 0;

  constructor(settings: Settings) {
    super({
      bom: true,
      delimiter: settings.delimiter,
      // Explicit, so a file with mixed line endings still splits on each (auto-detection picks one).
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true, // the row check reports cell counts, per row
      relax_quotes: true, // a quote inside an unquoted cell (5" screen) is kept as text
      skip_empty_lines: true,
      max_record_size: settings.maxFieldBytes,
    });
    // Errors reach us through write/end callbacks; without a listener Node would also throw them.
    this.on('error', () => undefined);
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding);
    const cells = chunk as string[];
    const line = this.pendingLine();
    this.blankLinesSeen = this.info.empty_lines;
    this.nextLine = line + 1 + lineBreaksIn(cells);
    // A line of only delimiters (`,,,`; `;;;` that Excel leaves below the data) is a blank line, as an
    // empty line is: skipped before the header too, not a row (no outcome, not counted), but a line.
    // csv-parse's skip_records_with_empty_values would also drop cells of spaces (which are rows: their
    // ids are MISSING_VALUE) and would not count the line. Empty quoted cells read the same as none
    // (`"",""`); one quoted empty cell alone (`""`) stays a row: it is how formatCsvRow writes one.
    const start = this.lastEnd;
    this.lastEnd = this.info.bytes;
    if (cells.length > 1 && cells.every((cell) => cell === '')) return true;
    this.cells.push(cells);
    this.lines.push(line);
    this.ends.push(start, this.lastEnd);
    return true;
  }

  /**
   * Line on which the record being parsed starts. Counted from the cells because csv-parse's own
   * `info.lines` counts a CRLF inside a quoted field twice.
   */
  pendingLine(): number {
    return this.nextLine + this.info.empty_lines - this.blankLinesSeen;
  }

  takeRecords(): ParsedBatch {
    const batch = { cells: this.cells, lines: this.lines, ends: this.ends };
    this.cells = [];
    this.lines = [];
    this.ends = [];
    return batch;
  }
}

function lineBreaksIn(cells: string[]): number {
  let count = 0;
  for (const cell of cells) {
    if (cell.indexOf('\n') === -1 && cell.indexOf('\r') === -1) continue;
    for (let i = 0; i < cell.length; i++) {
      const code = cell.charCodeAt(i);
      if (code === 10) count++;
      else if (code === 13) {
        count++;
        if (cell.charCodeAt(i + 1) === 10) i++; // CRLF is one line break
      }
    }
  }
  return count;
}
