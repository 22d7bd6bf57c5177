/**
 * What every call on `/crm/{version}/{module}/{record}/{relatedList}[/{related}]` checks first, whatever
 * its method: the method, the module, the scope, the related list, the permission, X-EXTERNAL and the
 * base record.
 */
import { canUseModule, denyPermission, scopeMismatch, type ModuleOperation } from './crm-auth.js';
import type { CrmCall } from './crm-call.js';
import { errorReply, type Reply } from './http-io.js';
import { findModule, moduleSpec, type ModuleName, type ModuleSpec } from './modules.js';
import { findRelatedList, relationSpec, type RelatedListSpec, type RelationSpec } from './relations.js';
import type { SimulatorState } from './simulator-state.js';
import type { AccessToken } from './token-store.js';

/** The decoded path segments after the version; `related` only on the single-record form. */
export interface RelatedRecordsPath {
  module: string;
  record: string;
  relatedList: string;
  related?: string;
}

export interface Target {
  module: ModuleSpec;
  list: RelatedListSpec;
  related: ModuleSpec;
  /** The relation the list writes; null for a lookup-based list (readable only). */
  relation: RelationSpec | null;
}

/** External fields named by X-EXTERNAL for each side; null where that side uses record ids. */
export interface ExternalFields {
  base: string | null;
  related: string | null;
}

const OPERATIONS: Readonly<Record<string, ModuleOperation>> = { GET: 'read', PUT: 'update', DELETE: 'delete' };

export const isReply = (value: unknown): value is Reply =>
  typeof value === 'object' && value !== null && 'status' in value && 'body' in value;

/** Method, module, scope, relation name and permission, in that order. */
export function checkTarget(state: SimulatorState, call: CrmCall, token: AccessToken, path: RelatedRecordsPath): Target | Reply {
  const operation = OPERATIONS[call.method];
  if (operation === undefined) return errorReply(400, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one');
  const module = findModule(path.module);
  if (module === undefined) return errorReply(400, 'INVALID_MODULE', 'the module name given seems to be invalid');
  if (!canUseModule(token, module.apiName, operation)) return scopeMismatch();
  const list = findRelatedList(module.apiName, path.relatedList);
  if (list === undefined) return errorReply(400, 'INVALID_DATA', 'The relation name given seems to be invalid');
  // A lookup-based list is read like any other, but this API does not write it; Zoho answers such a
  // write with INVALID_MODULE (docs/zoho.md#relations).
  if (list.relation === null && operation !== 'read') return errorReply(400, 'INVALID_MODULE', 'the module name given seems to be invalid');
  const related = moduleSpec(list.relatedModule);
  const relation = list.relation === null ? null : relationSpec(list.relation);
  return denyPermission(state, [module.apiName, related.apiName], operation) ?? { module, list, related, relation };
}

const HEADER_ITEM = /^([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)$/;

/**
 * `X-EXTERNAL: {Module}.{field}[,{Module}.{field}]` in any order (docs/zoho.md#endpoint-and-headers). Each item must name the base
 * or the related module, once, with one of that module's external fields; else 400 INVALID_DATA.
 */
export function parseExternalHeader(value: string | string[] | undefined, base: ModuleSpec, related: ModuleSpec): ExternalFields | Reply {
  const fields: ExternalFields = { base: null, related: null };
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  const items = text.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  for (const item of items) {
    const [, moduleName, fieldName = ''] = HEADER_ITEM.exec(item) ?? [];
    const side = moduleName === base.apiName ? 'base' : moduleName === related.apiName ? 'related' : null;
    const spec = side === 'base' ? base : related;
    if (side === null || !spec.externalFields.includes(fieldName) || fields[side] !== null) {
      return errorReply(400, 'INVALID_DATA', 'the X-EXTERNAL header must name an external field of the module or of its related module', {
        api_name: item,
        header_name: 'X-EXTERNAL',
      });
    }
    fields[side] = fieldName;
  }
  return fields;
}

/** The record's id, by the external field when one is named, else by record id; undefined when none. */
export function findRecord(state: SimulatorState, module: ModuleName, externalField: string | null, value: string): string | undefined {
  return externalField === null ? state.records.findById(module, value) : state.records.findByExternal(module, externalField, value);
}

/** The base record's id, or the whole-request 400 that names what was wrong. */
export function resolveBase(state: SimulatorState, module: ModuleSpec, record: string, external: ExternalFields): string | Reply {
  const id = findRecord(state, module.apiName, external.base, record);
  if (id !== undefined) return id;
  return external.base !== null
    ? errorReply(400, 'INVALID_DATA', 'the external value given for the base record seems to be invalid', { api_name: external.base })
    : errorReply(400, 'INVALID_DATA', 'the id given seems to be invalid', { id: record });
}

/** Reads X-EXTERNAL for a target; a helper for the three methods. */
export function externalFieldsOf(call: CrmCall, target: Target): ExternalFields | Reply {
  return parseExternalHeader(call.headers['x-external'], target.module, target.related);
}

/** 200 when every entry succeeded, `allFailedStatus` when none did, `mixedStatus` otherwise (docs/zoho.md#unknown-status-of-a-partly-failed-call). */
export function batchStatus(state: SimulatorState, results: readonly { status: string }[]): number {
  const succeeded = results.filter((result) => result.status === 'success').length;
  const { mixedStatus, allFailedStatus } = state.options;
  return succeeded === results.length ? 200 : succeeded === 0 ? allFailedStatus : mixedStatus;
}
