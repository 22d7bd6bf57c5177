/**
 * What a relation field's cell becomes in the entry, per the profile (docs/contract.md#lookups): text
 * as written; a `price` as a JSON number; a `lookup` as the value its table maps the name to. A cell
 * that cannot become one is that row's error before any call: INVALID_VALUE or LOOKUP_FAILED.
 */
import type { CsvRecord } from '../csv/csv-reader.js';
import { OutcomeCodes } from '../domain/row-outcome.js';
import { LOOKUPS, type LookupName } from '../profile/lookups.js';
import { fieldSpecs, type FieldSpec, type Profile } from '../profile/profile.js';
import type { ColumnMap } from './column-map.js';
import { quote, type LookupTable } from './lookup-table.js';

/** A relation field's value as sent: text, or a number (`list_price`). */
export type FieldValue = string | number;

export type FieldReading = { ok: true; value: FieldValue } | { ok: false; code: string; message: string };

export interface FieldReader {
  /** `cell` is trimmed and not empty. */
  read(apiName: string, cell: string): FieldReading;
}

/** Every cell as text: a profile without lookups or types reads this way. */
export const TEXT_FIELDS: FieldReader = { read: (_apiName, cell) => ({ ok: true, value: cell }) };

/**
 * The tables an import has read, by lookup; or 'unchecked' where there is no Zoho to read them from
 * (a dry run): names then pass through as written.
 */
export type LookupTables = ReadonlyMap<LookupName, LookupTable> | 'unchecked';

/** A non-negative decimal: digits, optionally a point and more digits. No sign, exponent, grouping or currency. */
const PRICE = /^\d+(\.\d+)?$/;

/** How the profile's fields read their cells, with the tables in `tables` (which may be filled in later). */
export class ProfileFieldReader implements FieldReader {
  private readonly specs: ReadonlyMap<string, FieldSpec>;

  constructor(
    profile: Pick<Profile, 'fields'>,
    private readonly tables: LookupTables,
  ) {
    this.specs = new Map(fieldSpecs(profile).map((spec) => [spec.apiName, spec]));
  }

  read(apiName: string, cell: string): FieldReading {
    const spec = this.specs.get(apiName);
    if (spec?.type === 'price') return readPrice(cell);
    if (spec?.lookup === undefined || isId(spec.lookup, cell) || this.tables === 'unchecked') return { ok: true, value: cell };
    const table = this.tables.get(spec.lookup);
    if (table === undefined) throw new Error(`lookup table ${spec.lookup} was not loaded before its first name`);
    const found = table.resolve(cell);
    return found.ok ? found : { ok: false, code: OutcomeCodes.LOOKUP_FAILED, message: found.message };
  }

  /**
   * The lookups whose tables these records need and `loaded` lacks: a table is read only once a cell
   * names a value by name (an id or an empty cell needs none), so a file of ids costs no read.
   */
  tablesNeeded(records: readonly CsvRecord[], map: ColumnMap, loaded: ReadonlySet<LookupName>): LookupName[] {
    const needed = new Set<LookupName>();
    for (const [apiName, index] of map.fields) {
      const lookup = this.specs.get(apiName)?.lookup;
      if (lookup === undefined || loaded.has(lookup) || needed.has(lookup)) continue;
      if (records.some((record) => isName(lookup, (record.cells[index] ?? '').trim()))) needed.add(lookup);
    }
    return [...needed];
  }

  /** The profile's lookups, for saying which cells a dry run passed through unchecked. */
  lookupFields(): FieldSpec[] {
    return [...this.specs.values()].filter((spec) => spec.lookup !== undefined);
  }
}

function isId(lookup: LookupName, cell: string): boolean {
  return LOOKUPS[lookup].idPattern?.test(cell) ?? false;
}

function isName(lookup: LookupName, cell: string): boolean {
  return cell !== '' && !isId(lookup, cell);
}

function readPrice(cell: string): FieldReading {
  const value = Number(cell);
  if (PRICE.test(cell) && Number.isFinite(value)) return { ok: true, value };
  return { ok: false, code: OutcomeCodes.INVALID_VALUE, message: `expected a price: a non-negative decimal such as 12.5, got ${quote(cell)}` };
}
