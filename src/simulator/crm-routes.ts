/**
 * Every request under /crm/ goes through the same pipe, in this order:
 * 1. counted; its fault (scripted, else random) is decided on arrival;
 * 2. a scripted 429, or a call over the concurrency cap, is answered 429 without taking a slot;
 * 3. otherwise it holds a slot until its response is written: body read, latency waited;
 * 4. a `reset` / 5xx fault answers now, before anything is applied;
 * 5. routed: URL pattern, token, credits (charged to every authenticated call), then the route itself;
 * 6. a `lost` fault throws the computed reply away (502 page or dropped connection) after applying.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody, type CrmCall, type ParsedBody } from './crm-call.js';
import { authenticate } from './crm-auth.js';
import { countMethod, countStatus, type TooManyRequestsCause } from './counters.js';
import type { FaultPlan } from './faults.js';
import { destroyConnection, errorReply, gatewayReply, readBody, writeReply, type Reply } from './http-io.js';
import { handleContactRoles } from './contact-roles-routes.js';
import { handleMetadata, type MetadataResource } from './metadata-routes.js';
import { handleRelatedRecords, type RelatedRecordsPath } from './related-records-routes.js';
import { now, simulateLatency, syncLinkCounters, type SimulatorState } from './simulator-state.js';
import type { AccessToken } from './token-store.js';

type CrmRoute =
  | { kind: 'metadata'; resource: MetadataResource }
  | { kind: 'contact-roles'; id: string | null }
  | { kind: 'related-records'; path: RelatedRecordsPath };

/** v2, v2.1 and v3…v8 all document this API (docs/zoho.md#endpoint-and-headers). */
const VERSION = /^v(2(\.1)?|[3-8])$/;

/**
 * `{version}/settings/{fields|related_lists}`, `{version}/Contacts/roles[/{id}]`, or
 * `{version}/{module}/{record}/{related list}[/{related record}]`; else null.
 */
function matchRoute(segments: string[] | null): CrmRoute | null {
  if (segments === null || !VERSION.test(segments[0] ?? '')) return null;
  const [, first, second, third, fourth] = segments;
  if (segments.length === 3 && first === 'settings' && (second === 'fields' || second === 'related_lists')) {
    return { kind: 'metadata', resource: second };
  }
  if (first === 'Contacts' && second === 'roles' && segments.length <= 4) return { kind: 'contact-roles', id: third ?? null };
  if (segments.length < 4 || segments.length > 5 || first === undefined || second === undefined || third === undefined || fourth === '') return null;
  const path: RelatedRecordsPath = { module: first, record: second, relatedList: third };
  return { kind: 'related-records', path: fourth === undefined ? path : { ...path, related: fourth } };
}

export function invalidUrl(): Reply {
  return errorReply(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one');
}

export function tooManyRequests(state: SimulatorState, cause: TooManyRequestsCause): Reply {
  state.counters.tooManyRequests[cause] += 1;
  // The real texts are unconfirmed (docs/zoho.md#unknown-what-a-429-says): clients must branch on the
  // code, never on these.
  const message =
    cause === 'concurrency'
      ? `too many requests: the concurrency limit of ${state.options.concurrency} calls in progress is exceeded`
      : 'too many requests: the API credit limit for the rolling 24-hour window is exhausted';
  return errorReply(429, 'TOO_MANY_REQUESTS', message);
}

/** Entries in `data`, for the per-10-entries credit cost; 0 when the body has no array there. */
function entryCount(body: ParsedBody): number {
  if (body.kind !== 'json' || typeof body.value !== 'object' || body.value === null) return 0;
  const data = (body.value as { data?: unknown }).data;
  return Array.isArray(data) ? data.length : 0;
}

/** Every call costs `creditsPerCall` (GETs and DELETEs too, "all other APIs = 1"); only a PUT's entries add more. */
function creditCost(state: SimulatorState, call: CrmCall): number {
  const { creditsPerCall, creditsPerTenEntries } = state.options;
  const entries = call.method === 'PUT' ? entryCount(call.body) : 0;
  return creditsPerCall + creditsPerTenEntries * Math.ceil(entries / 10);
}

function routeAuthenticated(state: SimulatorState, call: CrmCall, token: AccessToken, route: CrmRoute): Reply {
  switch (route.kind) {
    case 'metadata':
      state.counters.metadataReads[route.resource === 'fields' ? 'fields' : 'relatedLists'] += 1;
      return handleMetadata(call, token, route.resource);
    case 'contact-roles':
      state.counters.metadataReads.contactRoles += 1;
      return handleContactRoles(state, call, token, route.id);
    case 'related-records': {
      const reply = handleRelatedRecords(state, call, token, route.path);
      syncLinkCounters(state);
      return reply;
    }
  }
}

/** Step 5 of the pipe: a function of the state and the call (it may apply writes). */
export function routeCrm(state: SimulatorState, call: CrmCall): Reply {
  const route = matchRoute(call.segments);
  if (route === null) return invalidUrl();
  const auth = authenticate(state, call.headers.authorization);
  if (!auth.ok) return auth.reply;
  const cost = creditCost(state, call);
  if (!state.credits.tryCharge(cost, now(state), state.options)) {
    return withOrgHeaders(state, auth.token.expiresAt, tooManyRequests(state, 'credits'));
  }
  state.counters.creditsUsed += cost;
  return withOrgHeaders(state, auth.token.expiresAt, routeAuthenticated(state, call, auth.token, route));
}

/**
 * Headers of an authenticated call: token expiry (seen on real replies, docs/zoho.md#response-headers)
 * and credits left (docs/zoho.md#credits).
 */
function withOrgHeaders(state: SimulatorState, tokenExpiresAt: number, reply: Reply): Reply {
  const headers: Record<string, string> = { ...reply.headers, 'X-ACCESSTOKEN-RESET': new Date(tokenExpiresAt).toISOString() };
  const remaining = state.credits.remainingHeader(now(state), state.options);
  if (remaining !== null) headers['X-API-CREDITS-REMAINING'] = remaining;
  return { ...reply, headers };
}

function send(state: SimulatorState, res: ServerResponse, reply: Reply): void {
  countStatus(state.counters, reply.status);
  writeReply(res, reply);
}

/** Steps 4-6: answer according to the fault planned for this call. */
function answer(state: SimulatorState, req: IncomingMessage, res: ServerResponse, fault: FaultPlan, route: () => Reply): void {
  switch (fault.kind) {
    case 'reset':
      state.counters.faults.reset += 1;
      destroyConnection(req);
      return;
    case 'server-error':
      state.counters.faults.serverError += 1;
      send(state, res, fault.status === 500 ? errorReply(500, 'INTERNAL_ERROR', 'Internal server error occurred.') : gatewayReply(fault.status));
      return;
    case 'lost': {
      route();
      state.counters.faults.lostResponse += 1;
      if (fault.then === 'reset') destroyConnection(req);
      else send(state, res, gatewayReply(502));
      return;
    }
    default:
      send(state, res, route());
  }
}

/** Runs one CRM call through the pipe; `segments` as in `CrmCall`. */
export async function handleCrmCall(
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  segments: string[] | null,
): Promise<void> {
  state.counters.calls += 1;
  countMethod(state.counters, req.method ?? 'GET');
  const fault = state.faults.next(state.options);
  const refusal = fault.kind === 'too-many' ? fault.cause : state.gate.tryAcquire() ? null : 'concurrency';
  if (refusal !== null) {
    await readBody(req);
    await simulateLatency(state);
    send(state, res, tooManyRequests(state, refusal));
    return;
  }
  try {
    const body = parseBody(await readBody(req));
    await simulateLatency(state);
    const call: CrmCall = { method: req.method ?? 'GET', segments, query, headers: req.headers, body };
    answer(state, req, res, fault, () => routeCrm(state, call));
  } finally {
    state.gate.release();
  }
}
