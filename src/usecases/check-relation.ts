/**
 * The parts of `relsync check` about the relation itself, after the module and the external fields
 * (check-setup.ts): that the related list is one this API can write, that the relation's fields are
 * fields of that list, that each lookup's table can be read (docs/contract.md#lookups), and with
 * `--file` that every name in the file's lookup columns resolves and every price is one.
 */
import { openCsv, type CsvReadOptions } from '../csv/csv-reader.js';
import { ProfileFieldReader } from '../plan/field-values.js';
import { LookupTable } from '../plan/lookup-table.js';
import { mapColumns } from '../plan/column-map.js';
import { describeSource, LOOKUPS, type LookupName } from '../profile/lookups.js';
import { fieldSpecs, type FieldSpec, type Profile } from '../profile/profile.js';
import type { ZohoRelatedList } from '../zoho/metadata-client.js';
import { note, ok, problem, type CheckLine } from './check-lines.js';
import { readLookupEntries, type LookupReader } from './lookup-tables.js';

/** A list made by a lookup field names it here (docs/zoho.md#relations); the API cannot write such a list. */
export function lookupFieldOf(list: ZohoRelatedList): string | undefined {
  const field = list.connectedlookupApiName;
  return typeof field === 'string' && field !== '' ? field : undefined;
}

/** ✓ or ✗ for the list found: written by this API, or made by a lookup field. */
export function writableLine(label: string, profile: Profile, list: ZohoRelatedList): CheckLine | undefined {
  const lookup = lookupFieldOf(list);
  if (lookup === undefined) return undefined;
  const holds = list.module?.api_name ?? profile.related.module;
  return problem(`${label}: related list ${list.api_name} on ${profile.module} is made by the lookup field ${lookup} of ${holds}, and the related-records API cannot write such a list — set ${lookup} on the ${holds} records instead, or use a related list that links records (docs/zoho.md#relations)`);
}

/** One line per relation field: a field of the list, not one, or (the metadata lists none) a note. */
export function entryFieldLines(label: string, profile: Profile, list: ZohoRelatedList): CheckLine[] {
  const columns = Array.isArray(list.fields) ? list.fields.flatMap((field: unknown) => {
    const name = (field as { api_name?: unknown } | null)?.api_name;
    return typeof name === 'string' ? [name] : [];
  }) : undefined;
  const where = `related list ${list.api_name} on ${profile.module}`;
  return fieldSpecs(profile).map(({ apiName }) => {
    if (columns === undefined) return note(`${label}: fields.${apiName}: Zoho's metadata lists no fields for ${where}; Zoho checks ${apiName} on each call`);
    if (columns.includes(apiName)) return ok(`${label}: fields.${apiName} is a field of ${where}`);
    return problem(`${label}: fields.${apiName} is not a field of ${where}; its fields: ${columns.join(', ') || 'none'} — set the keys of "fields" to Zoho API names from these`);
  });
}

/** Reads each lookup of the profile once: a ✓ per table read, a ✗ naming what to fix. Returns the tables read. */
export async function lookupTables(label: string, profile: Profile, reader: LookupReader, lines: CheckLine[]): Promise<Map<LookupName, LookupTable>> {
  const tables = new Map<LookupName, LookupTable>();
  for (const spec of fieldSpecs(profile)) {
    const name = spec.lookup;
    if (name === undefined || tables.has(name)) continue;
    try {
      const table = new LookupTable(LOOKUPS[name].noun, await readLookupEntries(reader, name), LOOKUPS[name].idPattern);
      tables.set(name, table);
      lines.push(ok(`${label}: fields.${spec.apiName}: lookup ${name} read ${table.entries.length} value(s) from ${describeSource(LOOKUPS[name].source, reader.apiVersion)}`));
    } catch (error) {
      lines.push(problem(`${label}: fields.${spec.apiName}: ${(error as Error).message}`));
    }
  }
  return tables;
}

/** Bad values shown per column; the rest are counted. */
const MAX_SHOWN = 20;
/** Distinct values remembered per column: past this, new ones are counted but not checked. */
const MAX_DISTINCT = 100_000;

interface Seen { rows: number[]; count: number }

/** `--file`: every distinct cell of each lookup or price column, resolved; one ✗ per bad value. */
export async function fileValueLines(file: { path: string; name: string }, profile: Profile, tables: ReadonlyMap<LookupName, LookupTable>, csv: CsvReadOptions): Promise<CheckLine[]> {
  const specs = fieldSpecs(profile).filter((spec) => spec.lookup !== undefined || spec.type !== undefined);
  const label = `file ${file.name}`;
  if (specs.length === 0) return [note(`${label}: the profile has no lookup or typed column to check`)];
  const source = await openCsv(file.path, { ...csv, shownAs: file.name });
  const columns = mapColumns(profile, source.header, file.name);
  const seen = new Map(specs.map((spec) => [spec.apiName, new Map<string, Seen>()]));
  let overflow = false;
  for await (const records of source.batches) {
    for (const record of records) {
      if (record.error !== undefined) continue;
      for (const [apiName, index] of columns.fields) {
        const values = seen.get(apiName);
        const cell = (record.cells[index] ?? '').trim();
        if (values === undefined || cell === '') continue;
        let entry = values.get(cell);
        if (entry === undefined) {
          if (values.size >= MAX_DISTINCT) {
            overflow = true;
            continue;
          }
          values.set(cell, (entry = { rows: [], count: 0 }));
        }
        entry.count += 1;
        if (entry.rows.length < 3) entry.rows.push(record.row);
      }
    }
  }
  const lines = specs.flatMap((spec) => columnLines(label, spec, seen.get(spec.apiName)!, tables));
  if (overflow) lines.push(note(`${label}: more than ${MAX_DISTINCT} distinct values in a column; the values after those were not checked`));
  return lines;
}

function columnLines(label: string, spec: FieldSpec, values: ReadonlyMap<string, Seen>, tables: ReadonlyMap<LookupName, LookupTable>): CheckLine[] {
  const table = spec.lookup === undefined ? undefined : tables.get(spec.lookup);
  if (spec.lookup !== undefined && table === undefined) return [note(`${label}: ${spec.column} not checked: the ${spec.lookup} table could not be read (above)`)];
  const prices = new ProfileFieldReader({ fields: { [spec.apiName]: spec } }, 'unchecked');
  const bad: CheckLine[] = [];
  let rows = 0;
  for (const [cell, seen] of values) {
    rows += seen.count;
    const result = table !== undefined ? table.resolve(cell) : prices.read(spec.apiName, cell);
    if (!result.ok) bad.push(problem(`${label}: ${spec.column}, ${rowsText(seen)}: ${result.message}`));
  }
  const what = spec.lookup !== undefined ? `a known ${LOOKUPS[spec.lookup].noun}` : `a ${spec.type}`;
  if (bad.length === 0) return [ok(`${label}: every ${spec.column} is ${what} (${values.size} distinct value(s) in ${rows} row(s))`)];
  if (bad.length <= MAX_SHOWN) return bad;
  return [...bad.slice(0, MAX_SHOWN), problem(`${label}: ${spec.column}: ${bad.length - MAX_SHOWN} more value(s) that are not ${what}`)];
}

function rowsText(seen: Seen): string {
  const more = seen.count - seen.rows.length;
  const listed = seen.rows.join(', ');
  return `${seen.count === 1 ? 'row' : 'rows'} ${listed}${more > 0 ? ` and ${more} more` : ''}`;
}
