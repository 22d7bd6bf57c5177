/**
 * A relation's entry field in one entry of `data`, checked the way Zoho checks a field value
 * (docs/zoho.md, "Per-entry errors"): a value of the wrong type is INVALID_DATA with
 * `{ expected_data_type, api_name, json_path }`; a value of the right type that is not allowed (a role id
 * that is no Contact Role, a Member_Status outside the picklist) is INVALID_DATA with
 * `{ api_name, json_path }`.
 */
import type { EntryValue } from './dataset-types.js';
import { zohoError, type ZohoError } from './http-io.js';
import type { EntryFieldSpec } from './relations.js';
import type { SimulatorState } from './simulator-state.js';

/** What an entry says about the entry field: not sent (keep), null (clear), a value, or an error. */
export type EntryFieldReading = { kind: 'absent' } | { kind: 'value'; value: EntryValue | null } | { kind: 'error'; error: ZohoError };

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function invalid(field: string, index: number, expectedType?: string): EntryFieldReading {
  const details: Record<string, unknown> = { api_name: field, json_path: `$.data[${index}].${field}` };
  return { kind: 'error', error: zohoError('INVALID_DATA', 'invalid data', expectedType === undefined ? details : { expected_data_type: expectedType, ...details }) };
}

/**
 * A Contact Role id: a digit string naming a known role. A role *name*, a number (ids exceed 2^53) or
 * anything else is the wrong type (docs/zoho.md#unknown-contact-role-by-name: only the id form is documented).
 */
function contactRole(state: SimulatorState, value: unknown, field: string, index: number): EntryFieldReading {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return invalid(field, index, 'bigint');
  return state.records.isContactRole(value) ? { kind: 'value', value } : invalid(field, index);
}

/** A picklist text, matched exactly against the actual values. */
function picklist(spec: EntryFieldSpec, value: unknown, index: number): EntryFieldReading {
  if (typeof value !== 'string') return invalid(spec.apiName, index, 'picklist');
  return (spec.values ?? []).includes(value) ? { kind: 'value', value } : invalid(spec.apiName, index);
}

/** A JSON number; a numeric string only when `numericStrings` is 'accept'. */
function number(state: SimulatorState, value: unknown, field: string, index: number): EntryFieldReading {
  if (typeof value === 'number' && Number.isFinite(value)) return { kind: 'value', value };
  if (typeof value === 'string' && state.options.numericStrings === 'accept' && NUMBER_TEXT.test(value.trim())) {
    return { kind: 'value', value: Number(value) };
  }
  return invalid(field, index, 'double');
}

/** Reads the relation's entry field from entry `index`; a relation without one reads 'absent'. */
export function readEntryField(state: SimulatorState, spec: EntryFieldSpec | null, entry: Record<string, unknown>, index: number): EntryFieldReading {
  if (spec === null || !Object.hasOwn(entry, spec.apiName)) return { kind: 'absent' };
  const value = entry[spec.apiName];
  if (value === null) return { kind: 'value', value: null };
  switch (spec.kind) {
    case 'contact-role':
      return contactRole(state, value, spec.apiName, index);
    case 'picklist':
      return picklist(spec, value, index);
    case 'number':
      return number(state, value, spec.apiName, index);
  }
}
