/**
 * What a profile is, and its validator. Every problem is reported at once, each as
 * "<key>: expected X, got Y", so a user fixes a profile in one pass. Written by hand rather than with
 * zod because the messages are part of the product and zod's would have to be rewritten one by one.
 */
import { CSV_ENCODINGS, type CsvEncoding } from '../csv/encoding.js';
import { ErrorCodes, UserError } from '../errors.js';
import { IMPORT_MODES, type ImportMode } from '../../jobs/import.job.js';
import { keyPath } from './json-position.js';
import { isLookupName, LOOKUP_NAMES, type LookupName } from './lookups.js';

/**
 * How a field's cell is sent. `price`: a non-negative decimal (`12`, `12.5`, `0.50`; not `-1`, `1e3`,
 * `1,5`), sent as a JSON number; anything else is that row's INVALID_VALUE. Without a type, text.
 */
export const FIELD_TYPES = ['price'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/**
 * A relation field's column: the column name (the cell is sent as text), or an object that also says
 * how the cell is read: by `lookup` (a name becomes the id the table maps it to) or as a `type`.
 */
export type ProfileField = string | { column: string; lookup?: LookupName; type?: FieldType };

/** One relation field, whichever form the profile wrote it in. */
export interface FieldSpec {
  /** Zoho's API name of the relation field, e.g. `Contact_Role`. */
  apiName: string;
  column: string;
  lookup?: LookupName;
  type?: FieldType;
}

/** How CSV columns map to one Zoho related-list call (see docs/contract.md#profiles). */
export interface Profile {
  /** Where the profile came from (built-in name or file path), for messages. Optional, informative only. */
  name?: string;
  /** API name of the base module, e.g. `Contacts`. */
  module: string;
  /** API name of the related list on the base module, e.g. `Deals`. */
  relatedList: string;
  /** Without `externalField` the column holds Zoho record ids. */
  base: { column: string; externalField?: string };
  /** `module` is the related records' module; it defaults to `relatedList`. */
  related: { column: string; externalField?: string; module: string };
  /** Zoho relation field API name -> its CSV column (and how the cell is read). An empty cell sends no value. */
  fields: Record<string, ProfileField>;
  /**
   * How to read the file. `delimiter`: default detected from the header line (',', ';' or tab).
   * `encoding`: how bytes without a byte-order mark are read, 'utf-8' (default: invalid bytes fail the
   * import) or 'latin1' (Windows-1252); a UTF-8 or UTF-16 BOM always wins.
   */
  csv?: { delimiter?: string; encoding?: CsvEncoding };
  /**
   * The import guard's error-rate brake for imports with this profile, over RELSYNC_ABORT_ERROR_RATE and
   * RELSYNC_ABORT_MIN_ROWS (src/usecases/import-guard.ts): `errorRate` a share 0-1, `minRows` >= 1.
   */
  abort?: { errorRate?: number; minRows?: number };
  /** `link` (default), `unlink` or `mirror` (docs/contract.md#modes); `--mode` and a payload's `mode` win. */
  mode?: ImportMode;
  /**
   * Send only pairs new or changed since Zoho last confirmed them (or not confirmed for
   * RELSYNC_INCREMENTAL_MAX_AGE_DAYS); the rest end `skipped` / UNCHANGED. `relsync import --incremental`
   * / `--full` and a payload's `incremental` set it per import.
   */
  incremental?: boolean;
}

const API_NAME = /^[A-Za-z0-9_]+$/;
const EXPECTED_API_NAME = 'a Zoho API name (letters, digits, underscore)';

const KEYS = {
  profile: ['name', 'module', 'relatedList', 'base', 'related', 'fields', 'csv', 'abort', 'mode', 'incremental'],
  base: ['column', 'externalField'],
  related: ['column', 'externalField', 'module'],
  csv: ['delimiter', 'encoding'],
  field: ['column', 'lookup', 'type'],
  abort: ['errorRate', 'minRows'],
} as const;

/**
 * Validates a profile from JSON (a file, a job payload, a stored import) and returns a normalized
 * copy: `related.module` filled in, `fields` always present, no keys left undefined.
 * Throws UserError PROFILE_INVALID: "<where>: <key>: expected X, got Y; <key>: …".
 */
export function parseProfile(input: unknown, where: string): Profile {
  const reserved = reservedKeysIn(input);
  if (reserved.length > 0) {
    const message = reserved.map(({ path, key }) => reservedKeyProblem(path, key)).join('; ');
    throw new UserError(ErrorCodes.PROFILE_INVALID, `${where}: ${message}`);
  }
  const problems = new Problems();
  const profile = readProfile(problems, input);
  if (problems.list.length > 0 || profile === undefined) {
    throw new UserError(ErrorCodes.PROFILE_INVALID, `${where}: ${problems.list.join('; ')}`);
  }
  return profile;
}

/**
 * Keys every JavaScript object answers to. JSON.parse keeps them as plain data, but one spread or
 * assignment later `__proto__` changes what an object inherits instead (a `fields.__proto__` used to
 * vanish that way, its column silently never sent). No profile needs them: anywhere in one, they are
 * an error naming the key and where it is.
 */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export function isReservedKey(key: string): boolean {
  return RESERVED_KEYS.includes(key);
}

/** "<path>: expected a key other than …, got '<key>'" */
export function reservedKeyProblem(path: string, key: string): string {
  return `${path}: expected a key other than ${RESERVED_KEYS.slice(0, -1).join(', ')} or ${RESERVED_KEYS.at(-1)}, got ${quote(key)}`;
}

/** Own reserved keys at any depth of a parsed value, depth first in key order, with their paths. */
function reservedKeysIn(value: unknown, path: Array<string | number> = [], depth = 0): Array<{ path: string; key: string }> {
  if (typeof value !== 'object' || value === null || depth > 64) return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((item, i) => [i, item]) : Object.entries(value);
  return entries.flatMap(([key, inner]) => [
    ...(typeof key === 'string' && isReservedKey(key) ? [{ path: keyPath([...path, key]), key }] : []),
    ...reservedKeysIn(inner, [...path, key], depth + 1),
  ]);
}

function readProfile(problems: Problems, input: unknown): Profile | undefined {
  const root = readObject(problems, '', input, KEYS.profile);
  if (root === undefined) return undefined;
  const name = root.name === undefined ? undefined : readString(problems, 'name', root.name);
  const module = readApiName(problems, 'module', root.module);
  const relatedList = readApiName(problems, 'relatedList', root.relatedList);
  const base = readBase(problems, root.base);
  const related = readRelated(problems, root.related, relatedList);
  const fields = readFields(problems, root.fields);
  const csv = root.csv === undefined ? undefined : readCsv(problems, root.csv);
  const abort = root.abort === undefined ? undefined : readAbort(problems, root.abort);
  const mode = root.mode === undefined ? undefined : readMode(problems, root.mode);
  const incremental = root.incremental;
  if (incremental !== undefined && typeof incremental !== 'boolean') problems.add('incremental', 'true or false', incremental);
  if (base?.column !== undefined && base.column === related?.column) {
    problems.add('related.column', 'a column other than base.column', related.column);
  }
  if (!module || !relatedList || !base || !related || !fields || problems.list.length > 0) return undefined;
  return {
    ...(name === undefined ? {} : { name }),
    module,
    relatedList,
    base,
    related,
    fields,
    ...(csv === undefined ? {} : { csv }),
    ...(abort === undefined ? {} : { abort }),
    ...(mode === undefined ? {} : { mode }),
    ...(typeof incremental === 'boolean' ? { incremental } : {}),
  };
}

function readMode(problems: Problems, input: unknown): ImportMode | undefined {
  if (typeof input === 'string' && (IMPORT_MODES as readonly string[]).includes(input)) return input as ImportMode;
  problems.add('mode', `one of ${IMPORT_MODES.map((m) => `'${m}'`).join(', ')}`, input);
  return undefined;
}

function readBase(problems: Problems, input: unknown): Profile['base'] | undefined {
  const base = readObject(problems, 'base', input, KEYS.base);
  if (base === undefined) return undefined;
  const column = readColumn(problems, 'base.column', base.column, 'a non-empty string');
  const externalField = readOptionalApiName(problems, 'base.externalField', base.externalField);
  if (column === undefined) return undefined;
  return externalField === undefined ? { column } : { column, externalField };
}

function readRelated(problems: Problems, input: unknown, relatedList: string | undefined): Profile['related'] | undefined {
  const related = readObject(problems, 'related', input, KEYS.related);
  if (related === undefined) return undefined;
  const column = readColumn(problems, 'related.column', related.column, 'a non-empty string');
  const externalField = readOptionalApiName(problems, 'related.externalField', related.externalField);
  const module = readOptionalApiName(problems, 'related.module', related.module) ?? relatedList;
  if (column === undefined || module === undefined) return undefined;
  return externalField === undefined ? { column, module } : { column, externalField, module };
}

function readFields(problems: Problems, input: unknown): Record<string, ProfileField> | undefined {
  if (input === undefined) return {};
  const fields = readObject(problems, 'fields', input, undefined);
  if (fields === undefined) return undefined;
  const entries: Array<[string, ProfileField]> = [];
  for (const [apiName, value] of Object.entries(fields)) {
    if (!API_NAME.test(apiName)) problems.add('fields', 'keys that are Zoho API names (letters, digits, underscore)', apiName);
    const field = typeof value === 'object' && value !== null && !Array.isArray(value)
      ? readFieldObject(problems, `fields.${apiName}`, value)
      : readColumn(problems, `fields.${apiName}`, value, 'a column name, or { "column": "…", "lookup": "…" }');
    if (field !== undefined) entries.push([apiName, field]);
  }
  return Object.fromEntries(entries);
}

/** `{ column, lookup?, type? }`; one with only a column comes back as the column's name (one form for one meaning). */
function readFieldObject(problems: Problems, key: string, input: unknown): ProfileField | undefined {
  const field = readObject(problems, key, input, KEYS.field);
  if (field === undefined) return undefined;
  const column = readColumn(problems, `${key}.column`, field.column, 'a column name');
  const lookupOk = field.lookup === undefined || isLookupName(field.lookup);
  if (!lookupOk) problems.add(`${key}.lookup`, `one of ${LOOKUP_NAMES.map((n) => `'${n}'`).join(', ')}`, field.lookup);
  const typeOk = field.type === undefined || (FIELD_TYPES as readonly unknown[]).includes(field.type);
  if (!typeOk) problems.add(`${key}.type`, `one of ${FIELD_TYPES.map((t) => `'${t}'`).join(', ')}`, field.type);
  if (field.lookup !== undefined && field.type !== undefined) problems.add(key, 'either "lookup" or "type", not both', 'both', true);
  if (column === undefined || !lookupOk || !typeOk) return undefined;
  if (field.lookup === undefined && field.type === undefined) return column;
  return {
    column,
    ...(field.lookup === undefined ? {} : { lookup: field.lookup as LookupName }),
    ...(field.type === undefined ? {} : { type: field.type as FieldType }),
  };
}

/** The profile's relation fields in its order, each as a FieldSpec. */
export function fieldSpecs(profile: Pick<Profile, 'fields'>): FieldSpec[] {
  return Object.entries(profile.fields).map(([apiName, field]) => (typeof field === 'string' ? { apiName, column: field } : { apiName, ...field }));
}

function readCsv(problems: Problems, input: unknown): Profile['csv'] | undefined {
  const csv = readObject(problems, 'csv', input, KEYS.csv);
  if (csv === undefined) return undefined;
  const { delimiter, encoding } = csv;
  const delimiterOk = delimiter === undefined || (typeof delimiter === 'string' && delimiter.length === 1 && !'"\r\n'.includes(delimiter));
  if (!delimiterOk) problems.add('csv.delimiter', 'one character other than a quote or line break', delimiter);
  const encodingOk = encoding === undefined || (CSV_ENCODINGS as readonly unknown[]).includes(encoding);
  if (!encodingOk) problems.add('csv.encoding', `one of ${CSV_ENCODINGS.map((e) => `'${e}'`).join(', ')}`, encoding);
  if (!delimiterOk || !encodingOk) return undefined;
  return {
    ...(delimiter === undefined ? {} : { delimiter: delimiter as string }),
    ...(encoding === undefined ? {} : { encoding: encoding as CsvEncoding }),
  };
}

function readAbort(problems: Problems, input: unknown): Profile['abort'] | undefined {
  const abort = readObject(problems, 'abort', input, KEYS.abort);
  if (abort === undefined) return undefined;
  const { errorRate, minRows } = abort;
  const rateOk = errorRate === undefined || (typeof errorRate === 'number' && errorRate >= 0 && errorRate <= 1);
  if (!rateOk) problems.add('abort.errorRate', 'a number from 0 to 1 (e.g. 0.5)', errorRate);
  const rowsOk = minRows === undefined || (typeof minRows === 'number' && Number.isInteger(minRows) && minRows >= 1);
  if (!rowsOk) problems.add('abort.minRows', 'an integer >= 1', minRows);
  if (!rateOk || !rowsOk) return undefined;
  return {
    ...(errorRate === undefined ? {} : { errorRate: errorRate as number }),
    ...(minRows === undefined ? {} : { minRows: minRows as number }),
  };
}

function readObject(
  problems: Problems,
  key: string,
  input: unknown,
  allowed: readonly string[] | undefined,
): Record<string, unknown> | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    problems.add(key, 'an object', input);
    return undefined;
  }
  const object = input as Record<string, unknown>;
  if (allowed !== undefined) {
    for (const unknownKey of Object.keys(object).filter((k) => !allowed.includes(k))) {
      problems.add(key, `only the keys ${allowed.join(', ')}`, `unknown key ${quote(unknownKey)}`, true);
    }
  }
  return object;
}

function readApiName(problems: Problems, key: string, value: unknown): string | undefined {
  if (typeof value === 'string' && API_NAME.test(value)) return value;
  problems.add(key, EXPECTED_API_NAME, value);
  return undefined;
}

function readOptionalApiName(problems: Problems, key: string, value: unknown): string | undefined {
  return value === undefined ? undefined : readApiName(problems, key, value);
}

function readColumn(problems: Problems, key: string, value: unknown, expected: string): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  problems.add(key, expected, value);
  return undefined;
}

function readString(problems: Problems, key: string, value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  problems.add(key, 'a string', value);
  return undefined;
}

class Problems {
  readonly list: string[] = [];

  /** `described` says `got` is already words, not a value to show. */
  add(key: string, expected: string, got: unknown, described = false): void {
    const prefix = key === '' ? '' : `${key}: `;
    this.list.push(`${prefix}expected ${expected}, got ${described ? String(got) : describe(got)}`);
  }
}

/** A value as a user would recognise it from their JSON, kept short. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

function quote(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `'${JSON.stringify(shown).slice(1, -1).replace(/\\"/g, '"')}'`;
}
