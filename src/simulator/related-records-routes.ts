/**
 * `/crm/{version}/{module}/{record}/{relatedList}[/{related}]`: the related-records API, by record id or
 * by external id (docs/zoho.md#the-api-we-call, docs/zoho.md#relations, docs/zoho.md#delink-and-read). PUT links (Update Related Records), GET
 * reads the current links (related-read-routes.ts), DELETE delinks (related-delink-routes.ts).
 *
 * PUT: whole-request problems answer one error object; otherwise each entry of `data` is answered in
 * order and the HTTP status says how many succeeded (docs/zoho.md#unknown-status-of-a-partly-failed-call).
 */
import type { CrmCall, ParsedBody } from './crm-call.js';
import { errorReply, type Reply } from './http-io.js';
import { answerEntries } from './related-entries.js';
import { handleDelink } from './related-delink-routes.js';
import { handleRead } from './related-read-routes.js';
import { batchStatus, checkTarget, externalFieldsOf, isReply, resolveBase, type RelatedRecordsPath, type Target } from './related-target.js';
import type { SimulatorState } from './simulator-state.js';
import type { AccessToken } from './token-store.js';

export { parseExternalHeader, type RelatedRecordsPath } from './related-target.js';

/** Most entries per call (docs/zoho.md#request-body: "a maximum of 100 related records per API call"; SDK max_length 100). */
export const MAX_ENTRIES = 100;

function tooLong(data: readonly unknown[], maximum: number): Reply {
  return errorReply(400, 'INVALID_DATA', `data holds ${data.length} entries; at most ${maximum} ${maximum === 1 ? 'is' : 'are'} allowed per call`, {
    api_name: 'data',
    json_path: '$.data',
    maximum_length: maximum,
  });
}

/**
 * The `data` array of the body, or the whole-request 400. Our choice where Zoho's is undocumented:
 * INVALID_DATA for a body that is not a JSON object, a `data` that is not an array, 0 entries or over
 * the maximum (not LIMIT_EXCEEDED); MANDATORY_NOT_FOUND when `data` is missing (a required key, docs/zoho.md#one-result-per-entry).
 */
export function readEntries(body: ParsedBody, maximum = MAX_ENTRIES): unknown[] | Reply {
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
  return data.length > maximum ? tooLong(data, maximum) : data;
}

/** PUT: link each entry's related record to the base record (one entry on the single-record path). */
function handleUpdate(state: SimulatorState, call: CrmCall, target: Target, path: RelatedRecordsPath): Reply {
  const external = externalFieldsOf(call, target);
  if (isReply(external)) return external;
  const entries = readEntries(call.body, path.related === undefined ? MAX_ENTRIES : 1);
  if (isReply(entries)) return entries;
  const baseId = resolveBase(state, target.module, path.record, external);
  if (isReply(baseId)) return baseId;
  if (target.relation === null) throw new Error('handleUpdate: checkTarget lets no write through to a lookup-based list');
  const batch = { module: target.module, related: target.related, relation: target.relation, external, baseId, pathRelated: path.related };
  const results = answerEntries(state, batch, entries);
  return { status: batchStatus(state, results), body: { data: results } };
}

export function handleRelatedRecords(state: SimulatorState, call: CrmCall, token: AccessToken, path: RelatedRecordsPath): Reply {
  const target = checkTarget(state, call, token, path);
  if (isReply(target)) return target;
  switch (call.method) {
    case 'GET':
      return handleRead(state, call, target, path);
    case 'DELETE':
      return handleDelink(state, call, target, path);
    default:
      return handleUpdate(state, call, target, path);
  }
}
