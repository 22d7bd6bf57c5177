/**
 * GET on the related-records path: the base record's current links (docs/zoho.md#delink-and-read).
 * `fields` is mandatory (400 REQUIRED_PARAM_MISSING), `per_page` defaults to and is at most
 * 200, `page` defaults to 1, `info.more_records` says whether a later page has records, and a page with
 * none answers 204 with no body. Each record carries `id`, the requested fields of the related record
 * and the relation's entry field (Contact_Role, Member_Status, list_price).
 *
 * The single-record form (`…/{relatedList}/{related}`) answers `{"data":[record]}` without `info`;
 * `fields` is optional there, and the related external field named by X-EXTERNAL is always included.
 * A base record unknown by id, or a related record unknown or not linked, answers 204; a base record
 * unknown by external value answers 400 INVALID_DATA, as PUT does.
 */
import type { CrmCall } from './crm-call.js';
import type { EntryValue } from './dataset-types.js';
import { errorReply, noContent, type Reply } from './http-io.js';
import { findField, moduleSpec } from './modules.js';
import { sideOf } from './relations.js';
import { externalFieldsOf, findRecord, isReply, type RelatedRecordsPath, type Target } from './related-target.js';
import type { SimulatorState } from './simulator-state.js';

/** Most records per page, and the default (docs/zoho.md#delink-and-read). */
export const MAX_PER_PAGE = 200;

interface RelatedLink {
  id: string;
  /** The entry field's value; undefined on a lookup-based list, which has none. */
  value: EntryValue | null | undefined;
}

interface Paging {
  page: number;
  perPage: number;
}

function badParam(name: string, message: string, details: Record<string, unknown> = {}): Reply {
  return errorReply(400, 'INVALID_DATA', message, { param_name: name, ...details });
}

function positiveInt(query: URLSearchParams, name: string, fallback: number): number | Reply {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  return /^\d+$/.test(raw) && Number(raw) >= 1 ? Number(raw) : badParam(name, 'invalid data', { expected_data_type: 'integer' });
}

function readPaging(state: SimulatorState, query: URLSearchParams): Paging | Reply {
  const page = positiveInt(query, 'page', 1);
  if (isReply(page)) return page;
  const perPage = positiveInt(query, 'per_page', MAX_PER_PAGE);
  if (isReply(perPage)) return perPage;
  if (perPage <= MAX_PER_PAGE) return { page, perPage };
  if (state.options.perPageOverMax === 'cap') return { page, perPage: MAX_PER_PAGE };
  return badParam('per_page', `per_page must be at most ${MAX_PER_PAGE}`, { maximum: MAX_PER_PAGE });
}

/** The names in `fields`, or null when the parameter is missing or empty. */
function requestedFields(query: URLSearchParams): string[] | null {
  const names = (query.get('fields') ?? '').split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  return names.length === 0 ? null : names;
}

/** The related records linked to the base record, oldest link first. */
function linkedRecords(state: SimulatorState, target: Target, baseId: string): RelatedLink[] {
  if (target.relation === null) {
    const lookup = target.list.lookupField ?? '';
    return state.records.withFieldValue(target.related.apiName, lookup, baseId).map((record) => ({ id: record.id, value: undefined }));
  }
  const side = sideOf(target.relation, target.module.apiName);
  return state.links.linksOf(target.relation.id, side, baseId).map((link) => ({ id: link.ids[side === 0 ? 1 : 0], value: link.value }));
}

/** A field's value as Zoho shows it: lookups as `{ name, id }`, money as a number, absent as null. */
function fieldValue(state: SimulatorState, target: Target, recordValue: string | undefined, name: string): unknown {
  const spec = findField(target.related, name);
  if (recordValue === undefined || recordValue === '') return null;
  if (spec?.lookup !== undefined) {
    const module = moduleSpec(spec.lookup.module.api_name);
    return { name: state.records.record(module.apiName, recordValue)?.[module.nameField] ?? null, id: recordValue };
  }
  return spec?.data_type === 'currency' || spec?.data_type === 'double' ? Number(recordValue) : recordValue;
}

/**
 * The entry field as Zoho shows it. In the list form Contact_Role is a JSON number by default
 * (`roleInList`), exactly as the docs' sample shows it, digits intact: a client must read it as text
 * or a big integer, since role ids exceed 2^53.
 */
function entryValue(state: SimulatorState, value: EntryValue | null, kind: string, form: 'list' | 'single'): unknown {
  if (value === null) return null;
  if (kind === 'contact-role' && form === 'list' && state.options.roleInList === 'number') return BigInt(value);
  return value;
}

function render(state: SimulatorState, target: Target, link: RelatedLink, names: readonly string[], form: 'list' | 'single'): Record<string, unknown> {
  const record = state.records.record(target.related.apiName, link.id);
  const out: Record<string, unknown> = { id: link.id };
  for (const name of names) {
    // Names the related module does not have are left out, as are repeats.
    if (name === 'id' || Object.hasOwn(out, name) || findField(target.related, name) === undefined) continue;
    out[name] = fieldValue(state, target, record?.[name], name);
  }
  const entryField = target.relation === null ? null : target.relation.entryField;
  if (entryField !== null && link.value !== undefined) out[entryField.apiName] = entryValue(state, link.value, entryField.kind, form);
  return out;
}

/** The base record's id; null when it is unknown by id (204); a 400 when unknown by external value. */
function findBase(state: SimulatorState, target: Target, record: string, externalBase: string | null): string | null | Reply {
  const id = findRecord(state, target.module.apiName, externalBase, record);
  if (id !== undefined) return id;
  if (externalBase === null) return null;
  return errorReply(400, 'INVALID_DATA', 'the external value given for the base record seems to be invalid', { api_name: externalBase });
}

export function handleRead(state: SimulatorState, call: CrmCall, target: Target, path: RelatedRecordsPath): Reply {
  const external = externalFieldsOf(call, target);
  if (isReply(external)) return external;
  const names = requestedFields(call.query);
  if (names === null && path.related === undefined) {
    return errorReply(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param_name: 'fields' });
  }
  const paging = path.related === undefined ? readPaging(state, call.query) : { page: 1, perPage: MAX_PER_PAGE };
  if (isReply(paging)) return paging;
  const baseId = findBase(state, target, path.record, external.base);
  if (baseId === null || isReply(baseId)) return baseId ?? noContent();
  const links = linkedRecords(state, target, baseId);
  if (path.related !== undefined) {
    const relatedId = findRecord(state, target.related.apiName, external.related, path.related);
    const link = links.find((candidate) => candidate.id === relatedId);
    if (link === undefined) return noContent();
    state.counters.recordsRead += 1;
    const shown = external.related === null ? (names ?? []) : [external.related, ...(names ?? [])];
    return { status: 200, body: { data: [render(state, target, link, shown, 'single')] } };
  }
  const { page, perPage } = paging;
  const slice = links.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return noContent();
  state.counters.recordsRead += slice.length;
  const info = { per_page: perPage, next_page_token: null, count: slice.length, page, previous_page_token: null, page_token_expiry: null, more_records: page * perPage < links.length };
  return { status: 200, body: { data: slice.map((link) => render(state, target, link, names ?? [], 'list')), info } };
}
