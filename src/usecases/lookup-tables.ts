/**
 * Reading an import's lookup tables (profile/lookups.ts) from Zoho, once per import for all its
 * workers (ledger/lookup-cache.ts). What cannot be fixed by waiting (a missing scope, permission or
 * field) is the user's to fix: UserError LOOKUP_UNAVAILABLE, one line naming what to add, and the
 * import fails before any call. What may pass (network, 5xx, 429) is LOOKUP_READ_FAILED, retryable:
 * the import step runs again.
 */
import { ErrorCodes, RelsyncError, UserError } from '../errors.js';
import { describeSource, LOOKUPS, type LookupName } from '../profile/lookups.js';
import { LookupTable, type LookupEntry } from '../plan/lookup-table.js';
import type { CallOptions } from '../zoho/call-gate.js';
import { picklistValues, type MetadataAnswer, type ZohoContactRole, type ZohoField } from '../zoho/metadata-client.js';

/** The reads a lookup needs (a ZohoReader); `options` are the import's waits for a credit. */
export interface LookupReader {
  readonly apiVersion: string;
  contactRoles(options?: CallOptions): Promise<MetadataAnswer<ZohoContactRole[]>>;
  moduleFields(module: string, options?: CallOptions): Promise<MetadataAnswer<ZohoField[]>>;
}

export interface LookupCacheLike {
  getOrRead<T>(importId: string, lookup: string, read: () => Promise<T>): Promise<T>;
}

/** The table of one lookup for one import. */
export type LookupLoader = (importId: string, name: LookupName) => Promise<LookupTable>;

/** `waits`: the import's status while a read waits for a credit, and whether it was stopped (import-waits.ts). */
export function lookupLoader(deps: { reader: LookupReader; cache: LookupCacheLike; waits?: (importId: string) => CallOptions }): LookupLoader {
  return async (importId, name) => {
    const entries = await deps.cache.getOrRead(importId, name, () => readLookupEntries(deps.reader, name, deps.waits?.(importId)));
    return new LookupTable(LOOKUPS[name].noun, entries, LOOKUPS[name].idPattern);
  };
}

/** A lookup's entries, straight from Zoho. Throws LOOKUP_UNAVAILABLE (fix it) or LOOKUP_READ_FAILED (wait). */
export async function readLookupEntries(reader: LookupReader, name: LookupName, waits?: CallOptions): Promise<LookupEntry[]> {
  const { source } = LOOKUPS[name];
  const what = `lookup ${name}: ${describeSource(source, reader.apiVersion)}`;
  if (source.kind === 'contact-roles') {
    const answer = await reader.contactRoles(waits);
    if (!answer.ok) throw readError(name, what, answer);
    return answer.value.map((role) => ({ value: role.id, label: role.name }));
  }
  const answer = await reader.moduleFields(source.module, waits);
  if (!answer.ok) throw readError(name, what, answer);
  const field = answer.value.find((candidate) => candidate.api_name === source.field);
  if (field === undefined || !Array.isArray(field.pick_list_values)) {
    const problem = field === undefined ? `${source.module} has no field ${source.field}` : `${source.module}.${source.field} is not a picklist`;
    throw new UserError(ErrorCodes.LOOKUP_UNAVAILABLE, `${what}: ${problem}; ${otherWay(name)}`);
  }
  return picklistValues(field).map((value) => ({ value: value.actual_value, label: value.display_value }));
}

function readError(name: LookupName, what: string, answer: Extract<MetadataAnswer<unknown>, { ok: false }>): RelsyncError {
  const said = answer.httpStatus === 0 ? answer.message : `HTTP ${answer.httpStatus} ${answer.code}: ${answer.message}`;
  const mayPass = answer.httpStatus === 0 || answer.httpStatus >= 500 || answer.httpStatus === 429 || ['INTERNAL_ERROR', 'INVALID_TOKEN'].includes(answer.code);
  if (mayPass) return new RelsyncError(ErrorCodes.LOOKUP_READ_FAILED, `${what} failed (${said})`);
  const fix = answer.code === 'OAUTH_SCOPE_MISMATCH'
    ? `add the scope ${LOOKUPS[name].scope} to the refresh token (docs/operating.md#self-client)`
    : answer.code === 'NO_PERMISSION'
      ? "give the refresh token's Zoho user access to it"
      : 'fix what Zoho names';
  return new UserError(ErrorCodes.LOOKUP_UNAVAILABLE, `${what} was refused (${answer.code}): ${fix}; or ${otherWay(name)}`);
}

/** How a file can do without the table. */
function otherWay(name: LookupName): string {
  return LOOKUPS[name].idPattern ? 'write ids instead of names (they need no table)' : 'write the exact values and drop "lookup" from the profile\'s field';
}
