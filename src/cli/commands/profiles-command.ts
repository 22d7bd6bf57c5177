/**
 * `relsync profiles [--json]`: the built-in profiles (docs/contract.md#built-in-profiles), one line
 * each with the relation and the columns a file needs; `--json` prints each profile whole, as a
 * profile file would hold it.
 */
import { BUILTIN_PROFILES, fieldSpecs, type FieldSpec, type Profile } from '../../profile/profile.js';
import { ExitCode, type CliIO } from '../cli-io.js';

/** A field's column as the listing shows it: how its cell is read, when not as text. */
function describeColumn(field: FieldSpec): string {
  if (field.lookup !== undefined) return `${field.column} (${field.apiName}, lookup ${field.lookup})`;
  if (field.type !== undefined) return `${field.column} (${field.apiName}, ${field.type})`;
  return `${field.column} (${field.apiName})`;
}

export function profileColumns(profile: Profile): string[] {
  return [profile.base.column, profile.related.column, ...fieldSpecs(profile).map((field) => field.column)];
}

export async function runProfiles(io: CliIO, options: { json?: boolean } = {}): Promise<number> {
  const entries = Object.entries(BUILTIN_PROFILES);
  if (options.json) {
    const list = entries.map(([name, profile]) => ({ name, columns: profileColumns(profile), profile }));
    io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return ExitCode.ok;
  }
  const rows = entries.map(([name, profile]) => [
    name,
    `${profile.module} → ${profile.relatedList}`,
    [profile.base.column, profile.related.column, ...fieldSpecs(profile).map(describeColumn)].join(', '),
  ]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  for (const [name, relation, columns] of rows) io.stdout.write(`${name!.padEnd(widths[0]!)}  ${relation!.padEnd(widths[1]!)}  ${columns}\n`);
  io.stdout.write([
    '',
    'The two _ext_id columns hold the External_<Singular>_ID values of each side.',
    'A lookup column takes names (any case and spacing) or ids; a price is a non-negative decimal such as 12.5.',
    'Each profile whole: relsync profiles --json',
  ].join('\n') + '\n');
  return ExitCode.ok;
}
