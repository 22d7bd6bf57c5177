/**
 * `PUT /crm/{version}/{module}/{record}/{relatedList}`: Update Related Records, by record id or by
 * external id (docs/zoho.md#the-api-we-call). Whole-request problems answer one error object; otherwise
 * each entry of `data` is answered in order and the HTTP status says how many succeeded
 * (docs/zoho.md#unknown-status-of-a-partly-failed-call).
 */
import { canUpdateModule, denyPermission, scopeMismatch } from './crm-auth.js';
import type { CrmCall, ParsedBody } from './crm-call.js';
import { errorReply, type Reply } from './http-io.js';
import { findModule, findRelatedList, type ModuleSpec, type RelatedListSpec } from './modules.js';
import { answerEntries, type ExternalFields } from './related-entries.js';
import type { SimulatorState } from './simulator-state.js';
import type { AccessToken } from './token-store.js';

/** The three decoded path segments after the version. */
export interface RelatedRecordsPath {
  module: string;
  record: string;
  relatedList: string;
}

/**
 * Most entries per call (docs/zoho.md#request-body: "a maximum of 100 related records per API call";
 * SDK max_length 100).
 */
export const MAX_ENTRIES = 100;

const HEADER_ITEM = /^([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)$/;

/**
 * `X-EXTERNAL: {Module}.{field}[,{Module}.{field}]` in any order (docs/zoho.md#endpoint-and-headers).
 * Each item must name the base or the related module, once, with that module's external field; else
 * 400 INVALID_DATA.
 */
export function parseExternalHeader(value: string | undefined, base: ModuleSpec, related: ModuleSpec): ExternalFields | Reply {
  const fields: ExternalFields = { base: null, related: null };
  const items = (value ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  for (const item of items) {
    const [, moduleName, fieldName] = HEADER_ITEM.exec(item) ?? [];
    const side = moduleName === base.apiName ? 'base' : moduleName === related.apiName ? 'related' : null;
    const spec = side === 'base' ? base : related;
    if (side === null || fieldName !== spec.externalField || fields[side] !== null) {
      return errorReply(400, 'INVALID_DATA', 'the X-EXTERNAL header must name the external field of the module or of its related module', {
        api_name: item,
        header_name: 'X-EXTERNAL',
      });
    }
    fields[side] = fieldName;
  }
  return fields;
}

/**
 * The `data` array of the body, or the whole-request 400. Our choice where Zoho's is undocumented:
 * INVALID_DATA for a body that is not a JSON object, a `data` that is not an array, 0 entries or over
 * 100 (not LIMIT_EXCEEDED); MANDATORY_NOT_FOUND when `data` is missing (a required key,
 * docs/zoho.md#one-result-per-entry).
 */
export function readEntries(body: ParsedBody): unknown[] | Reply {
  if (body.kind !== 'json') {
    return errorReply(400, 'INVALID_DATA', 'the request body must be a JSON object', { expected_data_type: 'jsonobject' });
  }
  const value = body.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return errorReply(400, 'INVALID_DATA', 'the request body must be a JSON object', { expected_data_type: 'jsonobject' });
  }
  const data = (value as { data?: unknown }).data;
  if (data === undefined) return errorReply(400, 'MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'data', json_path: '$.data' });
  if (!Array.isArray(data)) {
    return errorReply(400, 'INVALID_DATA', 'invalid data', { expected_data_type: 'jsonarray', api_name: 'data', json_path: '$.data' });
  }
  if (data.length === 0) {
    return errorReply(400, 'INVALID_DATA', 'data must hold at least 1 entry', { api_name: 'data', json_path: '$.data', minimum_length: 1 });
  }
  if (data.length > MAX_ENTRIES) {
    return errorReply(400, 'INVALID_DATA', `data holds ${data.length} entries; at most ${MAX_ENTRIES} are allowed per call`, {
      api_name: 'data',
      json_path: '$.data',
      maximum_length: MAX_ENTRIES,
    });
  }
  return data;
}

/** The base record's id, by external value when X-EXTERNAL names the base field, else by record id. */
function resolveBase(state: SimulatorState, module: ModuleSpec, record: string, external: ExternalFields): string | Reply {
  if (external.base !== null) {
    const id = state.records.findByExternal(module.apiName, record);
    return id ?? errorReply(400, 'INVALID_DATA', 'the external value given for the base record seems to be invalid', { api_name: external.base });
  }
  const id = state.records.findById(module.apiName, record);
  return id ?? errorReply(400, 'INVALID_DATA', 'the id given seems to be invalid', { id: record });
}

interface Target {
  module: ModuleSpec;
  list: RelatedListSpec;
  related: ModuleSpec;
}

/** Method, module, scope, permission and relation name, in that order. */
function checkTarget(state: SimulatorState, call: CrmCall, token: AccessToken, path: RelatedRecordsPath): Target | Reply {
  if (call.method !== 'PUT') return errorReply(400, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one');
  const module = findModule(path.module);
  if (module === undefined) return errorReply(400, 'INVALID_MODULE', 'the module name given seems to be invalid');
  if (!canUpdateModule(token, module.apiName)) return scopeMismatch();
  const list = findRelatedList(module, path.relatedList);
  const related = list === undefined ? undefined : findModule(list.relatedModule);
  if (list === undefined || related === undefined) return errorReply(400, 'INVALID_DATA', 'The relation name given seems to be invalid');
  return denyPermission(state, [module.apiName, related.apiName]) ?? { module, list, related };
}

const isReply = (value: unknown): value is Reply => typeof value === 'object' && value !== null && 'status' in value && 'body' in value;

export function handleRelatedRecords(state: SimulatorState, call: CrmCall, token: AccessToken, path: RelatedRecordsPath): Reply {
  const target = checkTarget(state, call, token, path);
  if (isReply(target)) return target;
  const header = call.headers['x-external'];
  const external = parseExternalHeader(Array.isArray(header) ? header.join(',') : header, target.module, target.related);
  if (isReply(external)) return external;
  const entries = readEntries(call.body);
  if (isReply(entries)) return entries;
  const baseId = resolveBase(state, target.module, path.record, external);
  if (isReply(baseId)) return baseId;
  const results = answerEntries(state, { ...target, external, baseId }, entries);
  const succeeded = results.filter((result) => result.status === 'success').length;
  const { mixedStatus, allFailedStatus } = state.options;
  const status = succeeded === results.length ? 200 : succeeded === 0 ? allFailedStatus : mixedStatus;
  return { status, body: { data: results } };
}
