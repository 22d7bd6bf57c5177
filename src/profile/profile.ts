/**
 * Profiles: how a CSV's columns map to the related-list call. A profile is a built-in name or a JSON
 * file; both end up validated by parseProfile.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ErrorCodes, UserError } from '../errors.js';
import { builtinProfiles } from './builtin-profiles.js';
import { findJsonKeys, jsonErrorPosition } from './json-position.js';
import { fieldSpecs, isReservedKey, parseProfile, reservedKeyProblem, type FieldSpec, type FieldType, type Profile, type ProfileField } from './profile-schema.js';

export { fieldSpecs, parseProfile };
export type { FieldSpec, FieldType, Profile, ProfileField };

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/**
 * Exactly the built-in profiles of docs/contract.md#built-in-profiles, one per relation (see
 * builtin-profiles.ts). Frozen: loadProfile hands out copies.
 */
export const BUILTIN_PROFILES: Readonly<Record<string, Profile>> = deepFreeze(builtinProfiles());

/**
 * A built-in profile by name, or a JSON profile file (relative to `cwd`, default the process's).
 * The result carries `name`: the built-in name or the path as given.
 * Throws UserError PROFILE_NOT_FOUND (neither), PROFILE_INVALID (unreadable, bad JSON, bad profile).
 */
export async function loadProfile(nameOrPath: string, options: { cwd?: string } = {}): Promise<Profile> {
  if (Object.hasOwn(BUILTIN_PROFILES, nameOrPath)) {
    return { ...structuredClone(BUILTIN_PROFILES[nameOrPath] as Profile), name: nameOrPath };
  }
  const text = await readProfileFile(nameOrPath, resolve(options.cwd ?? process.cwd(), nameOrPath));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const { line, column } = jsonErrorPosition(text);
    // V8 words it well but places it by offset, or quotes the text instead; we give line and column.
    // The quote goes whatever its shape ("abc"... or ..."abc"...): a file named as a profile by mistake
    // (or by a queue payload) must not have its content echoed into logs and job failure reasons.
    const what = (error as Error).message.replace(/ in JSON at position \d+.*$|(?<= after JSON) at position \d+.*$|, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
    const message = `${nameOrPath}: line ${line} column ${column}: invalid JSON: ${what}`;
    throw new UserError(ErrorCodes.PROFILE_INVALID, message, { cause: error });
  }
  // Checked on the text too, so each reserved key is named with its line and column (parseProfile,
  // which sees only the parsed value, can name its path alone).
  const reserved = findJsonKeys(text, isReservedKey);
  if (reserved.length > 0) {
    const problems = reserved.map((k) => `line ${k.line} column ${k.column}: ${reservedKeyProblem(k.path, k.key)}`);
    throw new UserError(ErrorCodes.PROFILE_INVALID, `${nameOrPath}: ${problems.join('; ')}`);
  }
  const profile = parseProfile(json, nameOrPath);
  return { ...profile, name: profile.name ?? nameOrPath };
}

async function readProfileFile(shown: string, path: string): Promise<string> {
  try {
    // A BOM is legal in a file but not in JSON.parse; editors on Windows add one.
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const builtins = Object.keys(BUILTIN_PROFILES).join(', ');
      throw new UserError(
        ErrorCodes.PROFILE_NOT_FOUND,
        `${shown}: no such profile: not a built-in (${builtins}) and no such file`,
        { cause: error },
      );
    }
    const message = `${shown}: cannot read the profile (${code ?? String(error)})`;
    throw new UserError(ErrorCodes.PROFILE_INVALID, message, { cause: error });
  }
}

/**
 * The X-EXTERNAL header: `<module>.<field>` for each side that names records by an external field,
 * e.g. "Contacts.External_Contact_ID,Deals.External_Deal_ID"; undefined when neither does.
 */
export function xExternalHeader(profile: Profile): string | undefined {
  const sides: string[] = [];
  if (profile.base.externalField) sides.push(`${profile.module}.${profile.base.externalField}`);
  if (profile.related.externalField) {
    sides.push(`${profile.related.module ?? profile.relatedList}.${profile.related.externalField}`);
  }
  return sides.length > 0 ? sides.join(',') : undefined;
}

/**
 * The X-EXTERNAL of a read or a delink of related records: the base's external field only, since those
 * name related records by their Zoho ids (docs/zoho.md#unknown-delink-by-external-value).
 */
export function baseExternalHeader(profile: Profile): string | undefined {
  return profile.base.externalField ? `${profile.module}.${profile.base.externalField}` : undefined;
}

/** The columns a file must have: base, related, then field columns, each once, in that order. */
export function requiredColumns(profile: Profile): string[] {
  return [...new Set([profile.base.column, profile.related.column, ...fieldSpecs(profile).map((field) => field.column)])];
}
