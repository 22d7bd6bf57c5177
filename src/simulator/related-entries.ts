/**
 * The entries of one PUT's `data`, answered one by one in order (docs/zoho.md#request-body, docs/zoho.md#one-result-per-entry). Each successful entry is
 * applied at once, so a later entry sees an earlier one's pair (`duplicateInBatch: 'last-wins'`).
 */
import { readEntryField } from './entry-fields.js';
import { zohoError, type ZohoError } from './http-io.js';
import type { ModuleSpec } from './modules.js';
import { orient, type RelationSpec } from './relations.js';
import { findRecord, type ExternalFields } from './related-target.js';
import type { SimulatorState } from './simulator-state.js';

export type { ExternalFields } from './related-target.js';

export interface EntryBatch {
  module: ModuleSpec;
  related: ModuleSpec;
  relation: RelationSpec;
  external: ExternalFields;
  /** The base record's id. */
  baseId: string;
  /** The single-record form: the related record named in the path, not in the entry. */
  pathRelated?: string;
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

/** The related record, by the external field X-EXTERNAL names, else by `id`; from the path when given. */
function resolveRelated(state: SimulatorState, batch: EntryBatch, entry: Record<string, unknown>, index: number): ResolvedRelated | ZohoError {
  const key = batch.external.related ?? 'id';
  const jsonPath = `$.data[${index}].${key}`;
  const value = batch.pathRelated ?? entry[key];
  if (isAbsent(value)) return zohoError('MANDATORY_NOT_FOUND', 'required field not found', { api_name: key, json_path: jsonPath });
  if (typeof value !== 'string') {
    // Record ids exceed 2^53: a JSON number has already lost digits, so only strings are taken.
    const expected = key === 'id' ? 'bigint' : 'text';
    return zohoError('INVALID_DATA', 'invalid data', { expected_data_type: expected, api_name: key, json_path: jsonPath });
  }
  const id = findRecord(state, batch.related.apiName, batch.external.related, value);
  if (id === undefined) {
    const details = key === 'id' ? { id: value, json_path: jsonPath } : { api_name: key, json_path: jsonPath };
    return zohoError('INVALID_DATA', 'the related id given seems to be invalid', details);
  }
  return { id, key, value };
}

function answerEntry(state: SimulatorState, batch: EntryBatch, entry: unknown, index: number, seen: Set<string>): EntryResult {
  if (!isPlainObject(entry)) {
    return zohoError('INVALID_DATA', 'invalid data', { expected_data_type: 'jsonobject', json_path: `$.data[${index}]` });
  }
  const related = resolveRelated(state, batch, entry, index);
  if ('code' in related) return related;
  const field = readEntryField(state, batch.relation.entryField, entry, index);
  if (field.kind === 'error') return field.error;
  if (seen.has(related.id) && state.options.duplicateInBatch === 'error') {
    return zohoError('DUPLICATE_DATA', 'duplicate data', { api_name: related.key, json_path: `$.data[${index}].${related.key}` });
  }
  seen.add(related.id);
  const ids = orient(batch.relation, batch.module.apiName, batch.baseId, related.id);
  if (state.options.repeatMessage === 'DUPLICATE_DATA' && state.links.get(batch.relation.id, ids)) {
    return zohoError('DUPLICATE_DATA', 'the relation already exists', { api_name: related.key, json_path: `$.data[${index}].${related.key}` });
  }
  const outcome = state.links.upsert(batch.relation.id, ids, field.kind === 'value' ? field.value : undefined);
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
  return results;
}
