/**
 * Requests to the simulator over real HTTP, as the simulator tests make them. Simulators themselves
 * are started with test/helpers/simulator.ts.
 */
import { request } from 'undici';
import { expect } from 'vitest';
import { MODULES, type ModuleName, type RunningSimulator } from '../../src/simulator/index.js';

export { closeSimulators, contactId, dealId, ROLE_ID, startTestSimulator } from '../helpers/simulator.js';

export const PAGE_HEADER = 'Contacts.External_Contact_ID,Deals.External_Deal_ID';

export interface JsonReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

async function toReply(response: Awaited<ReturnType<typeof request>>): Promise<JsonReply> {
  const text = await response.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Gateway pages are HTML; keep the text.
  }
  return { status: response.statusCode, headers: response.headers, body, text };
}

export const refreshParams = (overrides: Record<string, string | undefined> = {}): Record<string, string> => {
  const params: Record<string, string | undefined> = {
    grant_type: 'refresh_token',
    client_id: '1000.CLIENTID',
    client_secret: 'secret',
    refresh_token: 'simulator-refresh-token',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
};

/** POST /oauth/v2/token with the parameters in the query string (as Zoho's docs show). */
export async function tokenRequest(sim: RunningSimulator, params: Record<string, string>): Promise<JsonReply> {
  const query = new URLSearchParams(params).toString();
  return toReply(await request(`${sim.url}/oauth/v2/token?${query}`, { method: 'POST' }));
}

export async function mintToken(sim: RunningSimulator): Promise<string> {
  const reply = await tokenRequest(sim, refreshParams());
  const token = (reply.body as { access_token?: unknown }).access_token;
  if (typeof token !== 'string') throw new Error(`no token: ${reply.text}`);
  return token;
}

export interface CrmRequest {
  method?: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
  token?: string;
  /** Sent as the Authorization header verbatim (overrides `token`). */
  authorization?: string;
  external?: string;
  body?: unknown;
  rawBody?: string;
}

/** A CRM call; `path` is appended to the simulator's URL as given (encode segments yourself). */
export async function crm(sim: RunningSimulator, path: string, options: CrmRequest = {}): Promise<JsonReply> {
  const headers: Record<string, string> = {};
  const authorization = options.authorization ?? (options.token === undefined ? undefined : `Zoho-oauthtoken ${options.token}`);
  if (authorization !== undefined) headers.authorization = authorization;
  if (options.external !== undefined) headers['x-external'] = options.external;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  return toReply(await request(`${sim.url}${path}`, { method: options.method ?? 'PUT', headers, body }));
}

/** GET with a freshly minted token, expecting 200: the reply's body. */
export async function crmGetOk<T>(sim: RunningSimulator, path: string): Promise<T> {
  const reply = await crm(sim, path, { method: 'GET', token: await mintToken(sim) });
  expect(reply.status).toBe(200);
  return reply.body as T;
}

/** A GET with a freshly minted token whose scopes do not cover it: 401 OAUTH_SCOPE_MISMATCH. */
export async function expectScopeMismatch(sim: RunningSimulator, path: string): Promise<void> {
  const denied = await crm(sim, path, { method: 'GET', token: await mintToken(sim) });
  expect(denied.status).toBe(401);
  expect(denied.body).toMatchObject({ code: 'OAUTH_SCOPE_MISMATCH' });
}

/** PUT of the API page's first sample, by external ids on both sides. */
export function pagePut(sim: RunningSimulator, token: string, data: unknown[], base = 'extcontact3'): Promise<JsonReply> {
  return crm(sim, `/crm/v8/Contacts/${encodeURIComponent(base)}/Deals`, { token, external: PAGE_HEADER, body: { data } });
}

/** The id of the record of `module` whose `field` holds `value`, from the dataset. */
export function recordId(sim: RunningSimulator, module: ModuleName, field: string, value: string): string {
  const spec = MODULES.find((candidate) => candidate.apiName === module);
  const found = spec === undefined ? undefined : sim.dataset[spec.recordsKey].find((record) => record[field] === value);
  if (found === undefined) throw new Error(`no ${module} record with ${field} = ${value}`);
  return found.id;
}

/** `External_<Singular>_ID` of a module: the field X-EXTERNAL names in most tests. */
export function primaryExternal(module: ModuleName): string {
  const field = MODULES.find((candidate) => candidate.apiName === module)?.externalFields[0];
  if (field === undefined) throw new Error(`no module ${module}`);
  return field;
}

/** `X-EXTERNAL` naming the primary external field of both modules. */
export function bothExternal(base: ModuleName, related: ModuleName): string {
  return `${base}.${primaryExternal(base)},${related}.${primaryExternal(related)}`;
}

/** The value of a JSON reply's `data` array (empty when there is none). */
export function dataOf(reply: JsonReply): Record<string, unknown>[] {
  const data = (reply.body as { data?: unknown } | undefined)?.data;
  return Array.isArray(data) ? (data as Record<string, unknown>[]) : [];
}

/** The error entry the API answers for one field of `data[index]`. */
export function fieldError(code: string, apiName: string, index: number, message: string): Record<string, unknown> {
  return { code, details: { api_name: apiName, json_path: `$.data[${index}].${apiName}` }, message, status: 'error' };
}

/** A mutable clock for the `now` option. */
export function manualClock(start = Date.UTC(2025, 0, 1)): { now: () => number; advance(ms: number): void } {
  let time = start;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
}
