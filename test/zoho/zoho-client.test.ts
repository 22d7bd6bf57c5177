import pLimit from 'p-limit';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessToken } from '../../src/zoho/oauth-client.js';
import { MemoryTokenProvider } from '../../src/zoho/oauth-client.js';
import { relatedRecordsPath, ZohoClient, type RelatedUpdateRequest, type ZohoCallEvent } from '../../src/zoho/zoho-client.js';
import {
  closedPortUrl,
  destroySocket,
  hang,
  holdUntilInFlight,
  reply,
  stallBody,
  startScriptedServer,
  SUCCESS_BODY,
  type Step,
} from './scripted-server.js';

const X_EXTERNAL = 'Contacts.External_Contact_ID,Deals.External_Deal_ID';
const INVALID_TOKEN = { code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' };

function relatedRequest(base = 'C-1'): RelatedUpdateRequest {
  return { module: 'Contacts', base, relatedList: 'Deals', xExternal: X_EXTERNAL, entries: [{ External_Deal_ID: 'D-77', Contact_Role: '111111000000026002' }] };
}

/**
 * Tokens tok-1, tok-2, … for the given API domain; counts mints. `clock`: tokens say when they were
 * minted (as the real providers' do), by this clock; without it their age is unknown.
 */
function countingTokens(apiDomain: string, clock?: () => number): { tokens: MemoryTokenProvider; mints: () => number } {
  let minted = 0;
  const mint = async (): Promise<AccessToken> => {
    minted += 1;
    const token = { accessToken: `tok-${minted}`, apiDomain, expiresAtMs: Date.now() + 3_600_000 };
    return clock ? { ...token, mintedAtMs: clock() } : token;
  };
  return { tokens: new MemoryTokenProvider({ mint }), mints: () => minted };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(steps: Step[], options: Partial<ConstructorParameters<typeof ZohoClient>[0]> = {}) {
  const server = await startScriptedServer(steps);
  const { tokens, mints } = countingTokens(server.url, options.now);
  const client = new ZohoClient({ tokens, ...options });
  cleanups.push(() => server.close(), () => client.close());
  return { server, client, mints };
}

describe('relatedRecordsPath', () => {
  it('percent-encodes each segment', () => {
    expect(relatedRecordsPath('v8', 'Contacts', 'C/odd 1', 'Deals')).toBe('/crm/v8/Contacts/C%2Fodd%201/Deals');
    expect(relatedRecordsPath('v8', 'Contacts', 'a+b', 'Deals')).toBe('/crm/v8/Contacts/a%2Bb/Deals');
    expect(relatedRecordsPath('v8', 'Contacts', '..', 'Deals')).toBe('/crm/v8/Contacts/%2E%2E/Deals');
  });

  it('rejects empty segments', () => {
    expect(() => relatedRecordsPath('v8', 'Contacts', '', 'Deals')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });
});

describe('ZohoClient.updateRelated', () => {
  it('sends the PUT with the token, X-EXTERNAL and JSON body, and returns the results', async () => {
    const { server, client } = await setup([reply(200, SUCCESS_BODY)]);
    const verdict = await client.updateRelated(relatedRequest());
    expect(verdict).toMatchObject({ kind: 'results', httpStatus: 200, entries: [{ status: 'success', zohoId: '111111000000094028' }] });
    const [sent] = server.requests;
    expect(sent?.method).toBe('PUT');
    expect(sent?.rawPath).toBe('/crm/v8/Contacts/C-1/Deals');
    expect(sent?.headers.authorization).toBe('Zoho-oauthtoken tok-1');
    expect(sent?.headers['x-external']).toBe(X_EXTERNAL);
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent?.body ?? '')).toEqual({ data: [{ External_Deal_ID: 'D-77', Contact_Role: '111111000000026002' }] });
  });

  it('the server receives exactly the intended segments for awkward ids', async () => {
    const bases = ['C/odd 1', 'a#b', '100%', 'what?', 'Ü-Straße', 'x+y', '..'];
    const { server, client } = await setup(bases.map(() => reply(200, SUCCESS_BODY)));
    for (const base of bases) await client.updateRelated(relatedRequest(base));
    const segments = server.requests.map((r) => r.rawPath.split('/').map(decodeURIComponent));
    expect(segments).toEqual(bases.map((base) => ['', 'crm', 'v8', 'Contacts', base, 'Deals']));
  });

  it('leaves X-EXTERNAL out when not given and honours apiDomain and apiVersion overrides', async () => {
    const server = await startScriptedServer([reply(200, SUCCESS_BODY)]);
    const { tokens } = countingTokens('https://www.zohoapis.invalid');
    const client = new ZohoClient({ tokens, apiDomain: server.url, apiVersion: 'v7' });
    cleanups.push(() => server.close(), () => client.close());
    await client.updateRelated({ ...relatedRequest(), xExternal: undefined });
    expect(server.requests[0]?.rawPath).toBe('/crm/v7/Contacts/C-1/Deals');
    expect(server.requests[0]?.headers).not.toHaveProperty('x-external');
  });

  it('on token-invalid, invalidates and resends once with a new token', async () => {
    const { server, client, mints } = await setup([reply(401, INVALID_TOKEN), reply(200, SUCCESS_BODY)]);
    expect(await client.updateRelated(relatedRequest())).toMatchObject({ kind: 'results' });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Zoho-oauthtoken tok-1', 'Zoho-oauthtoken tok-2']);
    expect(mints()).toBe(2);
  });

  it('returns a second token-invalid as is, after exactly two calls', async () => {
    const { server, client } = await setup([reply(401, INVALID_TOKEN), reply(401, INVALID_TOKEN)]);
    expect(await client.updateRelated(relatedRequest())).toMatchObject({ kind: 'token-invalid', code: 'INVALID_TOKEN' });
    expect(server.requests).toHaveLength(2);
  });

  it('reads a fresh token refused too as a wrong API domain, after exactly one new token, and mints no more for it', async () => {
    let now = Date.now();
    const { server, client, mints } = await setup([reply(401, INVALID_TOKEN), reply(401, INVALID_TOKEN), reply(401, INVALID_TOKEN)], { now: () => now });
    const message = `Zoho API ${server.url} refused a fresh token (INVALID_TOKEN): wrong data centre; check ZOHO_API_DOMAIN and ZOHO_DC`;
    expect(await client.updateRelated(relatedRequest())).toEqual({ kind: 'wrong-api-domain', code: 'INVALID_TOKEN', httpStatus: 401, message });
    expect(mints()).toBe(2);
    now += 10 * 60_000; // later, the same token is refused again: no new token, the same answer
    expect(await client.updateRelated(relatedRequest())).toMatchObject({ kind: 'wrong-api-domain', message });
    expect(mints()).toBe(2);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Zoho-oauthtoken tok-1', 'Zoho-oauthtoken tok-2', 'Zoho-oauthtoken tok-2']);
  });

  it('mints no third token when another call is refused with the fresh token while it is being tried', async () => {
    const late: Step = (res, req, body) => void setTimeout(() => reply(401, INVALID_TOKEN)(res, req, body), 300);
    const { client, mints } = await setup([reply(401, INVALID_TOKEN), late, reply(401, INVALID_TOKEN), reply(401, INVALID_TOKEN)], { now: () => Date.now() });
    const first = client.updateRelated(relatedRequest());
    // The second call starts once the first has its fresh token (tok-2) out for trial.
    await new Promise((resolve) => setTimeout(resolve, 120));
    const second = client.updateRelated(relatedRequest());
    expect(await Promise.all([first, second])).toMatchObject([{ kind: 'wrong-api-domain' }, { kind: 'wrong-api-domain' }]);
    expect(mints()).toBe(2);
  });

  it('reads a refused new token older than a minute as a dead token, not a wrong domain', async () => {
    let now = Date.now();
    const { client } = await setup([reply(401, INVALID_TOKEN), reply(401, INVALID_TOKEN)], { now: () => { const t = now; now += 61_000; return t; } });
    expect(await client.updateRelated(relatedRequest())).toMatchObject({ kind: 'token-invalid' });
  });

  it('answers an exact sequence reset → 429 → 200 with retry, rate-limited, results', async () => {
    const { client } = await setup([
      destroySocket(),
      reply(429, { code: 'TOO_MANY_REQUESTS', details: {}, message: 'too many requests', status: 'error' }, { 'retry-after': '2' }),
      reply(200, SUCCESS_BODY),
    ]);
    const first = await client.updateRelated(relatedRequest());
    expect(first.kind).toBe('retry');
    expect(['UND_ERR_SOCKET', 'ECONNRESET']).toContain((first as { code: string }).code);
    expect(await client.updateRelated(relatedRequest())).toMatchObject({ kind: 'rate-limited', retryAfterMs: 2000 });
    expect(await client.updateRelated(relatedRequest())).toMatchObject({ kind: 'results' });
  });

  it('never-answering server with a short headers timeout → retry UND_ERR_HEADERS_TIMEOUT', async () => {
    const { client } = await setup([hang()], { headersTimeoutMs: 200 });
    expect(await client.updateRelated(relatedRequest())).toMatchObject({ kind: 'retry', code: 'UND_ERR_HEADERS_TIMEOUT' });
  });

  it('a body that stalls → retry UND_ERR_BODY_TIMEOUT', async () => {
    const { client } = await setup([stallBody()], { bodyTimeoutMs: 200 });
    expect(await client.updateRelated(relatedRequest())).toMatchObject({ kind: 'retry', code: 'UND_ERR_BODY_TIMEOUT' });
  });

  it('connection refused → retry ECONNREFUSED', async () => {
    const url = await closedPortUrl();
    const { tokens } = countingTokens(url);
    const client = new ZohoClient({ tokens });
    cleanups.push(() => client.close());
    expect(await client.updateRelated(relatedRequest())).toMatchObject({ kind: 'retry', code: 'ECONNREFUSED' });
  });

  it('an aborted signal → retry ABORTED', async () => {
    const { server, client } = await setup([hang()]);
    const controller = new AbortController();
    const pending = client.updateRelated(relatedRequest(), { signal: controller.signal });
    await server.received(1);
    controller.abort(new Error('shutting down'));
    expect(await pending).toMatchObject({ kind: 'retry', code: 'ABORTED' });
  });

  it('respects an injected limiter: p-limit(2), 5 parallel calls, at most 2 in flight', async () => {
    const steps = Array.from({ length: 5 }, () => holdUntilInFlight(3, 150, SUCCESS_BODY));
    const { server, client } = await setup(steps, { limit: pLimit(2) });
    const verdicts = await Promise.all(Array.from({ length: 5 }, (_, i) => client.updateRelated(relatedRequest(`C-${i}`))));
    expect(verdicts.every((v) => v.kind === 'results')).toBe(true);
    expect(server.requests).toHaveLength(5);
    expect(server.maxInFlight).toBe(2);
  });

  it('without a limiter the same 5 calls are all in flight at once (the test can see concurrency)', async () => {
    const steps = Array.from({ length: 5 }, () => holdUntilInFlight(5, 2_000, SUCCESS_BODY));
    const { server, client } = await setup(steps);
    await Promise.all(Array.from({ length: 5 }, (_, i) => client.updateRelated(relatedRequest(`C-${i}`))));
    expect(server.maxInFlight).toBe(5);
  });

  it('reports each exchange through onEvent, without the base id or token', async () => {
    const events: ZohoCallEvent[] = [];
    const { client } = await setup([reply(401, INVALID_TOKEN), reply(200, SUCCESS_BODY)], { onEvent: (e) => events.push(e) });
    await client.updateRelated(relatedRequest('SECRET-BASE'));
    expect(events.map((e) => [e.verdict, e.httpStatus, e.isTokenRetry])).toEqual([
      ['token-invalid', 401, false],
      ['results', 200, true],
    ]);
    expect(JSON.stringify(events)).not.toMatch(/SECRET-BASE|tok-/);
  });

  it('throws for caller bugs and missing configuration instead of calling Zoho', async () => {
    const { client } = await setup([]);
    await expect(client.updateRelated({ ...relatedRequest(), entries: [] })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ External_Deal_ID: `D-${i}` }));
    await expect(client.updateRelated({ ...relatedRequest(), entries: tooMany })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    const noDomain = new ZohoClient({ tokens: countingTokens('').tokens });
    await expect(noDomain.updateRelated(relatedRequest())).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(() => new ZohoClient({ tokens: countingTokens('').tokens, connections: 0, headersTimeoutMs: -1 })).toThrow(
      /connections: expected an integer >= 1, got 0; headersTimeoutMs: expected a number > 0/,
    );
  });

  it('lets AccountsError from the token provider propagate', async () => {
    const failing = new MemoryTokenProvider({ mint: () => Promise.reject(Object.assign(new Error('no'), { code: 'ACCOUNTS_ERROR' })) });
    const client = new ZohoClient({ tokens: failing });
    await expect(client.updateRelated(relatedRequest())).rejects.toMatchObject({ code: 'ACCOUNTS_ERROR' });
  });
});
