/**
 * DELETE on the related-records path: Delink Related Records (docs/zoho.md#delink-and-read). The bulk form
 * names the related records in `?ids=a,b,c` (at most 100); the single-record form names one in the path.
 * They are matched by the related module's external field when X-EXTERNAL names it, else by record id.
 * Each is answered in order: `relation removed` with `details.id`, INVALID_DATA "the related id given
 * seems to be invalid" for an unknown record, and for a record that is not linked the answer set by
 * `delinkNotLinked`.
 */
import type { CrmCall } from './crm-call.js';
import { errorReply, zohoError, type Reply } from './http-io.js';
import type { EntryResult } from './related-entries.js';
import { orient } from './relations.js';
import { batchStatus, externalFieldsOf, findRecord, isReply, resolveBase, type ExternalFields, type RelatedRecordsPath, type Target } from './related-target.js';
import type { SimulatorState } from './simulator-state.js';

/** Most ids per call ("a maximum of 100 related record IDs in the request URL"). */
export const MAX_DELINK_IDS = 100;

/** The values of `ids`, or the whole-request 400. */
function readIds(query: URLSearchParams, external: ExternalFields): string[] | Reply {
  const ids = (query.get('ids') ?? '').split(',').map((id) => id.trim()).filter((id) => id.length > 0);
  if (ids.length === 0) return errorReply(400, 'MANDATORY_NOT_FOUND', 'One of the expected parameter is missing', { param_name: 'ids' });
  if (ids.length > MAX_DELINK_IDS) {
    return errorReply(400, 'LIMIT_EXCEEDED', `Limit Exceeded, You cannot give more than ${MAX_DELINK_IDS} record ids`, {
      limit: String(MAX_DELINK_IDS),
      param_name: 'ids',
    });
  }
  // Record ids are digits; anything else cannot be one (external values are matched as text).
  if (external.related === null && ids.some((id) => !/^\d+$/.test(id))) {
    return errorReply(400, 'UNABLE_TO_PARSE_DATA_TYPE', 'either the request body or parameters is in wrong format', { param_name: 'ids' });
  }
  return ids;
}

function delinkOne(state: SimulatorState, target: Target, external: ExternalFields, baseId: string, value: string): EntryResult {
  const relatedId = findRecord(state, target.related.apiName, external.related, value);
  if (relatedId === undefined) {
    return zohoError('INVALID_DATA', 'the related id given seems to be invalid', external.related === null ? { id: value } : { api_name: external.related });
  }
  if (target.relation === null) throw new Error('delinkOne: checkTarget lets no delink through to a lookup-based list');
  const removed = state.links.remove(target.relation.id, orient(target.relation, target.module.apiName, baseId, relatedId));
  if (!removed && state.options.delinkNotLinked === 'relation not found') {
    return zohoError('INVALID_DATA', 'relation not found', { id: relatedId });
  }
  return { code: 'SUCCESS', details: { id: relatedId }, message: 'relation removed', status: 'success' };
}

export function handleDelink(state: SimulatorState, call: CrmCall, target: Target, path: RelatedRecordsPath): Reply {
  const external = externalFieldsOf(call, target);
  if (isReply(external)) return external;
  const values = path.related === undefined ? readIds(call.query, external) : [path.related];
  if (isReply(values)) return values;
  const baseId = resolveBase(state, target.module, path.record, external);
  if (isReply(baseId)) return baseId;
  const results = values.map((value) => delinkOne(state, target, external, baseId, value));
  for (const result of results) {
    if (result.status === 'success') state.counters.delinks.success += 1;
    else state.counters.delinks.error += 1;
  }
  return { status: batchStatus(state, results), body: { data: results } };
}
