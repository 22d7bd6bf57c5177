/**
 * Zoho CRM's metadata reads: `GET /crm/{v}/settings/fields?module=X` and
 * `GET /crm/{v}/settings/related_lists?module=X` (the two the official SDK fetches before its calls,
 * docs/zoho.md#metadata), for `relsync check` and for picklist lookups; and `GET /crm/{v}/Contacts/roles`
 * (docs/zoho.md#contact-roles), for the contact-roles lookup. The settings reads need the scopes
 * ZohoCRM.settings.fields.READ and ZohoCRM.settings.related_lists.READ (or ZohoCRM.settings.ALL); the
 * roles need ZohoCRM.modules.contacts.READ (or ZohoCRM.modules.ALL).
 *
 * Like ZohoClient it never throws for HTTP or network problems: it answers `{ ok: false, code }` with
 * Zoho's code (INVALID_MODULE, OAUTH_SCOPE_MISMATCH, NO_PERMISSION, …) or a network code, so that the
 * caller can say how to fix each one. One attempt each: a check that needs retries to pass is worth
 * reporting as it is.
 */
import { request, type Dispatcher } from 'undici';
import { classifyNetworkError } from './call-verdict.js';
import { redactSecrets, snippet } from './redact.js';

/** The part of a field's metadata relsync reads. */
export interface ZohoField {
  api_name: string;
  /** Zoho: set on a field marked "External" in Setup, null otherwise; absent when the version does not say. */
  external?: unknown;
  unique?: unknown;
  /** On picklists: `[{ display_value, actual_value }]`; what an entry sends is the actual value. */
  pick_list_values?: unknown;
}

/** The part of a related list's metadata relsync reads. */
export interface ZohoRelatedList {
  api_name: string;
  /** The module of the records the list holds; absent or null for lists that hold none (Notes, Emails). */
  module?: { api_name?: string } | null;
  /**
   * Set on a list that follows a lookup field (Accounts' Contacts: the contacts whose Account_Name is
   * the account): it names that field. The related-records API cannot write such a list.
   */
  connectedlookupApiName?: unknown;
  /** The list's columns (the relation's entry field among them), where the metadata lists them. */
  fields?: unknown;
}

/** A Contact Role definition (`GET /crm/{v}/Contacts/roles`). */
export interface ZohoContactRole {
  id: string;
  name: string;
}

export type MetadataAnswer<T> =
  | { ok: true; value: T }
  /** httpStatus 0: no HTTP answer (network). `code` is Zoho's code, or a network/ours code. */
  | { ok: false; httpStatus: number; code: string; message: string };

export interface MetadataRequest {
  /** Origin of the CRM API, e.g. https://www.zohoapis.eu. */
  apiDomain: string;
  /** e.g. 'v8'. */
  apiVersion: string;
  accessToken: string;
  /** Default: undici's global dispatcher. */
  dispatcher?: Dispatcher;
  /** Whole exchange, in ms. Default 30 000: metadata replies are small, but a busy org may be slow. */
  timeoutMs?: number;
}

export async function getModuleFields(req: MetadataRequest, module: string): Promise<MetadataAnswer<ZohoField[]>> {
  const answer = await getJson(req, `/crm/${encodeURIComponent(req.apiVersion)}/settings/fields?module=${encodeURIComponent(module)}`);
  return answer.ok ? { ok: true, value: namedItems<ZohoField>(answer.value.fields) } : answer;
}

export async function getRelatedLists(req: MetadataRequest, module: string): Promise<MetadataAnswer<ZohoRelatedList[]>> {
  const answer = await getJson(req, `/crm/${encodeURIComponent(req.apiVersion)}/settings/related_lists?module=${encodeURIComponent(module)}`);
  return answer.ok ? { ok: true, value: namedItems<ZohoRelatedList>(answer.value.related_lists) } : answer;
}

/** The org's Contact Roles; none (204) is an empty list. Ids stay strings (they exceed 2^53). */
export async function getContactRoles(req: MetadataRequest): Promise<MetadataAnswer<ZohoContactRole[]>> {
  const answer = await getJson(req, `/crm/${encodeURIComponent(req.apiVersion)}/Contacts/roles`);
  if (!answer.ok) return answer;
  const roles = Array.isArray(answer.value.contact_roles) ? answer.value.contact_roles : [];
  const value = roles.flatMap((role: unknown) => {
    const { id, name } = (role ?? {}) as { id?: unknown; name?: unknown };
    return (typeof id === 'string' || typeof id === 'number') && typeof name === 'string' ? [{ id: String(id), name }] : [];
  });
  return { ok: true, value };
}

/** A picklist field's values as `{ display_value, actual_value }` strings; anything else in the list is ignored. */
export function picklistValues(field: ZohoField): Array<{ display_value: string; actual_value: string }> {
  const values = Array.isArray(field.pick_list_values) ? field.pick_list_values : [];
  return values.flatMap((item: unknown) => {
    const { display_value: shown, actual_value: actual } = (item ?? {}) as { display_value?: unknown; actual_value?: unknown };
    if (typeof actual !== 'string') return [];
    return [{ display_value: typeof shown === 'string' ? shown : actual, actual_value: actual }];
  });
}

/**
 * A write that changes nothing, to learn whether the token may write the related list: a PUT of no
 * entries (`{"data":[]}`) to a record id that cannot exist. Zoho checks the scope and the user's
 * permission before the body (docs/zoho.md#whole-request-errors), so OAUTH_SCOPE_MISMATCH or
 * NO_PERMISSION means "may not write", and a refusal of the empty body means "may". Costs one credit.
 */
export async function probeRelatedWrite(req: MetadataRequest, module: string, relatedList: string): Promise<MetadataAnswer<Record<string, unknown>>> {
  const path = `/crm/${req.apiVersion}/${encodeURIComponent(module)}/0/${encodeURIComponent(relatedList)}`;
  return getJson(req, path, { method: 'PUT', body: '{"data":[]}' });
}

/** One authenticated GET (or a given PUT) of a JSON object; every failure becomes `{ ok: false }` (tokens redacted). */
export async function getJson(req: MetadataRequest, path: string, send: { method: 'GET' | 'PUT'; body?: string } = { method: 'GET' }): Promise<MetadataAnswer<Record<string, unknown>>> {
  const origin = URL.canParse(req.apiDomain) ? new URL(req.apiDomain).origin : 'null';
  if (origin === 'null') return { ok: false, httpStatus: 0, code: 'INVALID_API_DOMAIN', message: `expected an http(s) URL as the API domain, got '${req.apiDomain}'` };
  const url = `${origin}${path}`;
  let statusCode: number;
  let text: string;
  try {
    const response = await request(url, {
      method: send.method,
      headers: { authorization: `Zoho-oauthtoken ${req.accessToken}`, accept: 'application/json', ...(send.body ? { 'content-type': 'application/json' } : {}) },
      ...(send.body ? { body: send.body } : {}),
      signal: AbortSignal.timeout(req.timeoutMs ?? 30_000),
      ...(req.dispatcher ? { dispatcher: req.dispatcher } : {}),
    });
    statusCode = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    const verdict = classifyNetworkError(error);
    return { ok: false, httpStatus: 0, code: verdict.code, message: redactSecrets(verdict.message, [req.accessToken]) };
  }
  return readAnswer(statusCode, text, req.accessToken);
}

function readAnswer(statusCode: number, text: string, accessToken: string): MetadataAnswer<Record<string, unknown>> {
  // Zoho answers 204 with no body where there is nothing to list.
  if (statusCode === 204) return { ok: true, value: {} };
  const json = parseObject(text);
  if (statusCode >= 200 && statusCode < 300 && json !== undefined && json.status !== 'error') return { ok: true, value: json };
  const code = typeof json?.code === 'string' && json.code !== '' ? json.code : `HTTP_${statusCode}`;
  const message = typeof json?.message === 'string' ? json.message : snippet(text);
  return { ok: false, httpStatus: statusCode, code, message: redactSecrets(message, [accessToken]) };
}

/** The array's objects that carry a string `api_name`; anything else in it is ignored. */
function namedItems<T extends { api_name: string }>(value: unknown): T[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is T => typeof item === 'object' && item !== null && typeof (item as { api_name?: unknown }).api_name === 'string');
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
