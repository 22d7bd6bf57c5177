/**
 * The entries of one PUT's `data`, answered one by one in order (docs/zoho.md#one-result-per-entry).
 * Each successful entry is applied at once, so a later entry sees an earlier one's pair
 * (`duplicateInBatch: 'last-wins'`).
 */
import { zohoError, type ZohoError } from './http-io.js';
import { toPair, type ModuleSpec, type RelatedListSpec } from './modules.js';
import type { SimulatorState } from './simulator-state.js';

/** External fields named by X-EXTERNAL for each side; null where that side uses record ids. */
export interface ExternalFields {
  base: string | null;
  related: string | null;
}

export interface EntryBatch {
  module: ModuleSpec;
  list: RelatedListSpec;
  related: ModuleSpec;
  external: ExternalFields;
  /** The base record's id. */
  baseId: string;
}

export interface EntrySuccess {
  code: 'SUCCESS';
  details: Record<string, string>;
  message: string;
  status: 'success';
}

export type EntryResult = EntrySuccess | ZohoError;

interface ResolvedRelated {
  id: string;
  /** The key the entry named its record by (the external field, or `id`) and the value it sent. */
  key: string;
  value: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isAbsent = (value: unknown): boolean => value === undefined || value === null || value === '';

/** The related record, by the external field X-EXTERNAL names, else by `id`. */
function resolveRelated(state: SimulatorState, batch: EntryBatch, entry: Record<string, unknown>, index: number): ResolvedRelated | ZohoError {
  const key = batch.external.related ?? 'id';
  const jsonPath = `$.data[${index}].${key}`;
  const value = entry[key];
  if (isAbsent(value)) return zohoError('MANDATORY_NOT_FOUND', 'required field not found', { api_name: key, json_path: jsonPath });
  if (typeof value !== 'string') {
    // Record ids exceed 2^53: a JSON number has already lost digits, so only strings are taken.
    const expected = key === 'id' ? 'bigint' : 'text';
    return zohoError('INVALID_DATA', 'invalid data', { expected_data_type: expected, api_name: key, json_path: jsonPath });
  }
  const module = batch.related.apiName;
  const id = key === 'id' ? state.records.findById(module, value) : state.records.findByExternal(module, value);
  if (id === undefined) {
    const details = key === 'id' ? { id: value, json_path: jsonPath } : { api_name: key, json_path: jsonPath };
    return zohoError('INVALID_DATA', 'the related id given seems to be invalid', details);
  }
  return { id, key, value };
}

/**
 * The relation field (Contact_Role): undefined when not sent (an existing role is kept), null to clear,
 * else the id of a known Contact Role. A role *name*, a number or an unknown id is INVALID_DATA
 * (only the id form is documented: docs/zoho.md#unknown-contact-role-by-name).
 */
function resolveRelationField(state: SimulatorState, batch: EntryBatch, entry: Record<string, unknown>, index: number): string | null | undefined | ZohoError {
  const field = batch.list.relationField;
  if (!Object.hasOwn(entry, field)) return undefined;
  const value = entry[field];
  if (value === null) return null;
  if (typeof value === 'string' && state.records.isContactRole(value)) return value;
  return zohoError('INVALID_DATA', 'invalid data', { expected_data_type: 'bigint', api_name: field, json_path: `$.data[${index}].${field}` });
}

function answerEntry(state: SimulatorState, batch: EntryBatch, entry: unknown, index: number, seen: Set<string>): EntryResult {
  if (!isPlainObject(entry)) {
    return zohoError('INVALID_DATA', 'invalid data', { expected_data_type: 'jsonobject', json_path: `$.data[${index}]` });
  }
  const related = resolveRelated(state, batch, entry, index);
  if ('code' in related) return related;
  const role = resolveRelationField(state, batch, entry, index);
  if (typeof role === 'object' && role !== null) return role;
  if (seen.has(related.id) && state.options.duplicateInBatch === 'error') {
    return zohoError('DUPLICATE_DATA', 'duplicate data', { api_name: related.key, json_path: `$.data[${index}].${related.key}` });
  }
  seen.add(related.id);
  const pair = toPair(batch.module.apiName, batch.baseId, related.id);
  if (state.options.repeatMessage === 'DUPLICATE_DATA' && state.associations.get(pair.contactId, pair.dealId)) {
    return zohoError('DUPLICATE_DATA', 'the relation already exists', { api_name: related.key, json_path: `$.data[${index}].${related.key}` });
  }
  const outcome = state.associations.upsert(pair.contactId, pair.dealId, role);
  const details: Record<string, string> = related.key === 'id' ? { id: related.id } : { [related.key]: related.value, id: related.id };
  return { code: 'SUCCESS', details, message: outcome === 'added' ? 'relation added' : state.options.repeatMessage, status: 'success' };
}

export function answerEntries(state: SimulatorState, batch: EntryBatch, entries: readonly unknown[]): EntryResult[] {
  const seen = new Set<string>();
  const results = entries.map((entry, index) => answerEntry(state, batch, entry, index, seen));
  for (const result of results) {
    if (result.status === 'success') state.counters.entries.success += 1;
    else state.counters.entries.error += 1;
  }
  state.counters.associations = state.associations.size;
  return results;
}
