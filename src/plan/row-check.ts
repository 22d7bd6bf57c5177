/**
 * Whether one CSV record can be sent, and what to send: the row either yields the ids and field values
 * of one entry, or gets its final outcome here and is never sent.
 */
import type { CsvRecord } from '../csv/csv-reader.js';
import { OutcomeCodes, type RowOutcome } from '../domain/row-outcome.js';
import type { ColumnMap } from './column-map.js';
import { TEXT_FIELDS, type FieldReader, type FieldValue } from './field-values.js';

export type RowCheck =
  /** `fields` holds only non-empty cells: an empty cell sends no value. */
  | { ok: true; base: string; related: string; fields: Array<[string, FieldValue]> }
  | { ok: false; outcome: RowOutcome };

/** Longest quotation of surplus cells in a message; a row is not a place to store a file. */
const MAX_SURPLUS_CHARS = 1000;

/**
 * Ids and field values are trimmed of surrounding whitespace for sending (the report keeps the cell
 * as it was): spaces around an id are never part of it in Zoho. `fields` reads each relation field's
 * cell (a price as a number, a name through its lookup); its error is the row's, the first field's first.
 */
export function checkRow(record: CsvRecord, map: ColumnMap, fields: FieldReader = TEXT_FIELDS): RowCheck {
  if (record.error !== undefined) return failed(record, record.error.code, record.error.message);
  const { cells } = record;
  if (cells.length !== map.width && !isTrailingDelimiterOnly(cells, map)) {
    return failed(record, OutcomeCodes.MALFORMED_ROW, cellCountMessage(cells, map.width));
  }
  const base = (cells[map.base] as string).trim();
  const related = (cells[map.related] as string).trim();
  if (base === '' || related === '') {
    return failed(record, OutcomeCodes.MISSING_VALUE, missingMessage(map, base === '', related === ''));
  }
  const values: Array<[string, FieldValue]> = [];
  for (const [apiName, index] of map.fields) {
    const cell = (cells[index] as string).trim();
    if (cell === '') continue;
    const reading = fields.read(apiName, cell);
    if (!reading.ok) return failed(record, reading.code, `${columnName(map, index)}: ${reading.message}`);
    values.push([apiName, reading.value]);
  }
  return { ok: true, base, related, fields: values };
}

/**
 * A trailing delimiter on the header or on the rows, but not both (spreadsheets add one, hand edits
 * drop it), changes the cell count without losing anything: the row's extra cells are all empty, or
 * the cells it lacks are under unnamed columns. Such a row is read; the report pads or cuts it.
 */
function isTrailingDelimiterOnly(cells: string[], map: ColumnMap): boolean {
  if (cells.length > map.width) {
    for (let i = map.width; i < cells.length; i++) if (cells[i] !== '') return false;
    return true;
  }
  if (map.header === undefined) return false;
  for (let i = cells.length; i < map.width; i++) if ((map.header[i] ?? '').trim() !== '') return false;
  return true;
}

function failed(record: CsvRecord, code: string, message: string): RowCheck {
  return { ok: false, outcome: { row: record.row, status: 'error', code, message } };
}

function cellCountMessage(cells: string[], width: number): string {
  const counts = `expected ${width} cells, got ${cells.length}`;
  if (cells.length < width) return counts;
  // The report keeps only the header's share of the row, so the surplus must survive here.
  let surplus = cells.slice(width).map((cell) => JSON.stringify(cell)).join(', ');
  if (surplus.length > MAX_SURPLUS_CHARS) surplus = `${surplus.slice(0, MAX_SURPLUS_CHARS)}…`;
  return `${counts}; surplus cells: ${surplus}`;
}

function columnName(map: ColumnMap, index: number): string {
  return map.header?.[index]?.trim() || `column ${index + 1}`;
}

function missingMessage(map: ColumnMap, baseMissing: boolean, relatedMissing: boolean): string {
  const name = (index: number): string => columnName(map, index);
  if (baseMissing && relatedMissing) return `${name(map.base)} and ${name(map.related)} are empty`;
  return `${name(baseMissing ? map.base : map.related)} is empty`;
}
