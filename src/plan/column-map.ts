/**
 * Which cell of a row feeds which part of the call, decided once per file from its header.
 */
import { ErrorCodes, UserError } from '../errors.js';
import { fieldSpecs, requiredColumns, type Profile } from '../profile/profile.js';

export interface ColumnMap {
  /** Index of the base record's column. */
  base: number;
  /** Index of the related record's column. */
  related: number;
  /** Relation field API name -> index of its column, in the profile's order. */
  fields: Array<[fieldApiName: string, columnIndex: number]>;
  /** Number of header cells: every row is expected to have exactly this many. */
  width: number;
  /** The file's header cells, so messages can name a column. Absent on maps built by hand. */
  header?: readonly string[];
}

/**
 * Header cells are matched to the profile's columns ignoring surrounding whitespace (a space after a
 * comma in a hand-written header is common and never meant), and exactly otherwise; a header that
 * differs from a missing column only by case is named in a hint.
 * Throws UserError FILE_INVALID naming the missing columns and listing those the file has, or naming
 * a needed column that appears more than once (which one would we read?).
 */
export function mapColumns(profile: Profile, header: string[], file: string): ColumnMap {
  const positions = new Map<string, number[]>();
  header.forEach((cell, index) => {
    const name = cell.trim();
    positions.set(name, [...(positions.get(name) ?? []), index]);
  });
  const needed = requiredColumns(profile);
  const missing = needed.filter((column) => !positions.has(column.trim()));
  if (missing.length > 0) {
    const forProfile = profile.name === undefined ? 'the profile' : `profile ${profile.name}`;
    const has = header.length > 0 ? header.join(', ') : 'no columns';
    const message = `${file}: missing column(s) ${missing.join(', ')} for ${forProfile}; the file has: ${has}${caseHint(missing, header)}`;
    throw new UserError(ErrorCodes.FILE_INVALID, message);
  }
  const indexOf = (column: string): number => {
    const found = positions.get(column.trim()) ?? [];
    if (found.length > 1) {
      const at = found.map((index) => index + 1).join(' and ');
      const message = `${file}: column ${column} appears more than once (columns ${at}); keep one`;
      throw new UserError(ErrorCodes.FILE_INVALID, message);
    }
    return found[0] as number;
  };
  return {
    base: indexOf(profile.base.column),
    related: indexOf(profile.related.column),
    fields: fieldSpecs(profile).map((field) => [field.apiName, indexOf(field.column)]),
    width: header.length,
    header,
  };
}

/**
 * "; did you mean 'contact_ext_id' (found 'Contact_Ext_ID')? …" for missing columns that a header cell
 * matches but for case, or '' when none does. Matching itself stays exact (docs/contract.md#profiles: columns by
 * name): a hint costs nothing, while a guess could read the wrong column of a file with both.
 */
function caseHint(missing: readonly string[], header: readonly string[]): string {
  const loose = (name: string): string => name.trim().toLowerCase();
  const hints = missing.flatMap((column) => {
    const found = header.find((cell) => loose(cell) === loose(column));
    return found === undefined ? [] : [`'${column}' (found '${found}')`];
  });
  return hints.length === 0 ? '' : `; did you mean ${hints.join(', ')}? Column names must match exactly, case included`;
}
