/**
 * The report: the input re-read row by row with each row's outcome appended, plus the rows in error
 * alone (feedable back as input) and a summary. Streams in bounded memory, and files appear at their
 * final paths only once complete.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { openCsv, type CsvReadOptions, type CsvRecord } from '../csv/csv-reader.js';
import type { RemovalOutcome, RowOutcome } from '../domain/row-outcome.js';
import { ErrorCodes, RelsyncError } from '../errors.js';
import { cellFormatter, formatCsvRow } from './csv-format.js';

/** Outcomes of the given rows, in the same order; undefined where a row has none. */
export type OutcomeLookup = (rows: number[]) => Promise<Array<RowOutcome | undefined>>;

export interface ReportPaths {
  report: string;
  errors: string;
  summary: string;
  /** A mirror's removed links (written only for a mirror). */
  removed: string;
}

export interface ReportCounts {
  rows: number;
  success: number;
  error: number;
  skipped: number;
  /** Rows per `_code`, keys sorted. */
  byCode: Record<string, number>;
}

export interface WriteReportOptions {
  /** The input CSV, read again from the start. */
  input: string;
  /** Must be the options the input was ingested with, or rows would not line up. */
  csv?: CsvReadOptions;
  reportPath: string;
  lookup: OutcomeLookup;
  /** Rows per lookup. Default 1000. */
  batchSize?: number;
  /** Outcome for a row the lookup has none for. Default: error NO_OUTCOME "no outcome was recorded". */
  missing?: (row: number) => RowOutcome;
  /** Merged into the summary JSON (import id, calls, duration…); the counts win on a clash. */
  summaryExtra?: Record<string, unknown>;
  /**
   * A mirror's removals, written to `<stem>.removed.csv` (before the summary): one line per link it
   * removed or tried to, under the profile's base and related column names.
   */
  removed?: { columns: readonly [string, string]; outcomes: readonly RemovalOutcome[] };
}

export const REMOVED_COLUMNS = ['_zoho_id', '_status', '_code', '_message'] as const;

export const REPORT_COLUMNS = ['_row', '_status', '_code', '_message', '_zoho_id'] as const;
export const NO_OUTCOME = 'NO_OUTCOME';

/**
 * x/y.csv -> x/y.csv, x/y.errors.csv, x/y.summary.json. A `.report.csv` name drops `.report` for its
 * companions (a.report.csv -> a.errors.csv), as the watched folder names them.
 */
export function reportPaths(reportPath: string): ReportPaths {
  const ext = extname(reportPath);
  let stem = ext === '' ? reportPath : reportPath.slice(0, -ext.length);
  if (stem.endsWith('.report')) stem = stem.slice(0, -'.report'.length);
  return { report: reportPath, errors: `${stem}.errors.csv`, summary: `${stem}.summary.json`, removed: `${stem}.removed.csv` };
}

export async function writeReport(options: WriteReportOptions): Promise<ReportCounts> {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize: expected a positive integer, got ${String(batchSize)}`);
  }
  const source = await openCsv(options.input, options.csv);
  const paths = reportPaths(options.reportPath);
  await mkdir(dirname(paths.report), { recursive: true });
  const temp = { report: tempPath(paths.report), errors: tempPath(paths.errors), summary: tempPath(paths.summary), removed: tempPath(paths.removed) };
  const report = new LineSink(temp.report);
  const errors = new LineSink(temp.errors);
  try {
    const delimiter = source.delimiter; // as read: detected from the header when the profile names none
    const kept = inputColumnsKept(source.header);
    const layout: Layout = { kept, delimiter, format: cellFormatter(delimiter) };
    // Written as UTF-8 always, with a BOM when the input had one (UTF-8 or UTF-16: Excel reads accents
    // in a CSV right only after a BOM), and none otherwise. Input read as Windows-1252 (profile
    // csv.encoding "latin1") gets one as well: it wins over that setting, so errors.csv still reads
    // right when fed back with the same profile.
    const bom = source.bom || source.encoding === 'Windows-1252' ? '\uFEFF' : '';
    const headerLine = `${bom}${formatCsvRow([...kept.map((i) => source.header[i] as string), ...REPORT_COLUMNS], delimiter)}\n`;
    await report.write(headerLine);
    await errors.write(headerLine);
    const tally = await writeRows(source.batches, { ...options, batchSize }, { layout, report, errors });
    await Promise.all([report.close(), errors.close()]);
    const counts = tally.counts();
    // Counts first and winning: an extra field cannot misstate them.
    const summary = { ...counts, ...options.summaryExtra, ...counts };
    if (options.removed) await writeFile(temp.removed, removedText(options.removed, delimiter));
    await writeFile(temp.summary, `${JSON.stringify(summary, null, 2)}\n`);
    // The summary last: once it is there, the others are complete.
    for (const key of ['report', 'errors', ...(options.removed ? ['removed' as const] : []), 'summary'] as const) await rename(temp[key], paths[key]);
    return counts;
  } catch (error) {
    report.destroy();
    errors.destroy();
    await Promise.all(Object.values(temp).map((path) => rm(path, { force: true })));
    throw namingTarget(error, temp, paths);
  }
}

/**
 * A file-system failure on a temporary file (open, write, rename) names that hidden file, which the
 * user never asked for: say which of the report's files could not be written, the cause kept.
 */
function namingTarget(error: unknown, temp: ReportPaths, paths: ReportPaths): unknown {
  const failure = error as NodeJS.ErrnoException;
  const key = (['report', 'errors', 'summary', 'removed'] as const).find((k) => failure?.path === temp[k]);
  if (!(error instanceof Error) || key === undefined) return error;
  const reason = failure.message.split(', ')[0];
  return new RelsyncError(ErrorCodes.REPORT_WRITE_FAILED, `${paths[key]}: could not write the ${key === 'report' ? 'report' : `${key} file`} (${reason})`, { cause: error });
}

/** `<base column>,<related column>,_zoho_id,_status,_code,_message`, then one line per removal. */
function removedText(removed: NonNullable<WriteReportOptions['removed']>, delimiter: string): string {
  const lines = [formatCsvRow([...removed.columns, ...REMOVED_COLUMNS], delimiter)];
  for (const r of removed.outcomes) lines.push(formatCsvRow([r.base, r.related, r.relatedId, r.status, r.code, r.message], delimiter));
  return `${lines.join('\n')}\n`;
}

/**
 * Indexes of the input columns the report repeats: all but those named like ours. A fed-back errors
 * file (or an earlier report) already has `_row` … `_zoho_id`; they are replaced by this run's, not
 * written twice. Matched as the column map matches names: exactly, surrounding spaces aside.
 */
function inputColumnsKept(header: readonly string[]): number[] {
  const ours: readonly string[] = REPORT_COLUMNS;
  return header.flatMap((name, index) => (ours.includes(name.trim()) ? [] : [index]));
}

/** Beside the target and hidden, ending in .tmp: the watched folder ignores such names. */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomUUID().slice(0, 8)}.tmp`);
}

interface Output {
  layout: Layout;
  report: LineSink;
  errors: LineSink;
}

interface Layout {
  /** Indexes of the input cells written, in order (all of the header's but columns named like ours). */
  kept: readonly number[];
  delimiter: string;
  format: (cell: string) => string;
}

/**
 * Looks up batch k+1 while batch k is still being written, so lookup latency (a Redis round trip)
 * hides behind parsing and writing; at most two batches are held at once.
 */
async function writeRows(
  batches: AsyncIterable<CsvRecord[]>,
  options: WriteReportOptions & { batchSize: number },
  output: Output,
): Promise<Tally> {
  const tally = new Tally();
  let previous: Promise<void> = Promise.resolve();
  const flush = (batch: CsvRecord[]): Promise<void> => {
    const outcomes = options.lookup(batch.map((record) => record.row));
    const written = Promise.all([outcomes, previous]).then(([found]) => writeBatch(batch, found, options, output, tally));
    written.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
    const before = previous;
    previous = written;
    return before;
  };
  for await (const batch of inBatchesOf(options.batchSize, batches)) await flush(batch);
  await previous;
  return tally;
}

async function* inBatchesOf(size: number, batches: AsyncIterable<CsvRecord[]>): AsyncGenerator<CsvRecord[]> {
  let batch: CsvRecord[] = [];
  for await (const records of batches) {
    for (const record of records) {
      batch.push(record);
      if (batch.length < size) continue;
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function writeBatch(
  batch: CsvRecord[],
  found: Array<RowOutcome | undefined>,
  options: WriteReportOptions,
  output: Output,
  tally: Tally,
): Promise<void> {
  const outcomes = alignOutcomes(batch, found);
  let reportText = '';
  let errorsText = '';
  batch.forEach((record, i) => {
    const outcome = outcomes[i] ?? options.missing?.(record.row) ?? noOutcome(record.row);
    tally.add(outcome);
    const line = reportLine(record, outcome, output.layout);
    reportText += line;
    if (outcome.status === 'error') errorsText += line;
  });
  await output.report.write(reportText);
  if (errorsText !== '') await output.errors.write(errorsText);
}

/**
 * The lookup promises outcomes in the order asked; if one answers in another order (or with gaps) we
 * still put each outcome on its own row rather than on its neighbour's.
 */
function alignOutcomes(batch: CsvRecord[], found: Array<RowOutcome | undefined>): Array<RowOutcome | undefined> {
  if (!Array.isArray(found) || found.length !== batch.length) {
    const got = Array.isArray(found) ? found.length : typeof found;
    throw new RelsyncError(ErrorCodes.LOOKUP_INVALID, `outcome lookup: expected ${batch.length} results, got ${got}`);
  }
  if (found.every((outcome, i) => outcome === undefined || outcome.row === batch[i]?.row)) return found;
  const byRow = new Map<number, RowOutcome>();
  for (const outcome of found) if (outcome !== undefined) byRow.set(outcome.row, outcome);
  return batch.map((record) => byRow.get(record.row));
}

function noOutcome(row: number): RowOutcome {
  return { row, status: 'error', code: NO_OUTCOME, message: 'no outcome was recorded' };
}

/** The input's cells cut or padded to the header's width (less columns named like ours), then ours. */
function reportLine(record: CsvRecord, outcome: RowOutcome, layout: Layout): string {
  const { cells } = record;
  const { kept, delimiter, format } = layout;
  let line = '';
  for (const i of kept) {
    line += format(cells[i] ?? '');
    line += delimiter;
  }
  line += `${record.row}${delimiter}${outcome.status}${delimiter}${format(outcome.code)}`;
  line += `${delimiter}${format(outcome.message)}${delimiter}${format(outcome.zohoId ?? '')}\n`;
  return line;
}

class Tally {
  private readonly byStatus = { success: 0, error: 0, skipped: 0 };
  private readonly byCode = new Map<string, number>();
  private rows = 0;

  add(outcome: RowOutcome): void {
    this.rows++;
    this.byStatus[outcome.status]++;
    this.byCode.set(outcome.code, (this.byCode.get(outcome.code) ?? 0) + 1);
  }

  counts(): ReportCounts {
    const byCode = Object.fromEntries([...this.byCode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { rows: this.rows, ...this.byStatus, byCode };
  }
}

/** A file written with backpressure: write() resolves once the stream can take more. */
class LineSink {
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  constructor(path: string) {
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  async write(text: string): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
  }

  destroy(): void {
    this.stream.destroy();
  }
}
