import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { closeSimulators, ROLE_ID, startTestSimulator } from '../helpers/simulator.js';
import { crm, manualClock, mintToken, pagePut, refreshParams, tokenRequest } from './simulator-helpers.js';

afterEach(closeSimulators);

const pageEntry = { External_Deal_ID: 'extdeal3', Contact_Role: ROLE_ID };

describe('simulator: token endpoint', () => {
  it('mints a Zoho-shaped access token for the refresh token, with its own URL as api_domain', async () => {
    const sim = await startTestSimulator();
    const reply = await tokenRequest(sim, refreshParams());
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      access_token: expect.stringMatching(/^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/),
      scope: 'ZohoCRM.modules.ALL ZohoCRM.settings.ALL',
      api_domain: sim.url,
      token_type: 'Bearer',
      expires_in: 3600,
    });
    expect(sim.counters.tokensMinted).toBe(1);
  });

  it('takes the parameters as a urlencoded body and as multipart form data too', async () => {
    const sim = await startTestSimulator();
    const urlencoded = await request(`${sim.url}/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(refreshParams()).toString(),
    });
    expect(await urlencoded.body.json()).toHaveProperty('access_token');
    const form = new FormData();
    for (const [name, value] of Object.entries(refreshParams())) form.append(name, value);
    const multipart = await fetch(`${sim.url}/oauth/v2/token`, { method: 'POST', body: form });
    expect(await multipart.json()).toHaveProperty('access_token');
    expect(sim.counters.tokensMinted).toBe(2);
  });

  it('answers bad parameters with HTTP 200 and an error key, as Zoho does', async () => {
    const sim = await startTestSimulator({ clientId: 'the-client' });
    const cases: [Record<string, string | undefined>, string][] = [
      [{ client_id: 'the-client', refresh_token: 'wrong' }, 'invalid_code'],
      [{ client_id: undefined }, 'invalid_client'],
      [{ client_id: 'another-client' }, 'invalid_client'],
      [{ client_id: 'the-client', client_secret: undefined }, 'invalid_client_secret'],
      [{ client_id: 'the-client', grant_type: 'password' }, 'unsupported_grant_type'],
    ];
    for (const [overrides, error] of cases) {
      const reply = await tokenRequest(sim, refreshParams(overrides));
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ error });
    }
    expect(sim.counters.tokensMinted).toBe(0);
  });

  it('accepts only the configured refresh token', async () => {
    const sim = await startTestSimulator({ refreshToken: 'my-token' });
    expect((await tokenRequest(sim, refreshParams())).body).toEqual({ error: 'invalid_code' });
    expect((await tokenRequest(sim, refreshParams({ refresh_token: 'my-token' }))).body).toHaveProperty('access_token');
  });

  it('denies the 11th mint in 10 minutes with HTTP 400 Access Denied, and mints again once the window rolls', async () => {
    const clock = manualClock();
    const sim = await startTestSimulator({ now: clock.now });
    for (let i = 0; i < 10; i += 1) {
      expect((await tokenRequest(sim, refreshParams())).status).toBe(200);
      clock.advance(1000);
    }
    const denied = await tokenRequest(sim, refreshParams());
    expect(denied.status).toBe(400);
    expect(denied.body).toEqual({
      error: 'Access Denied',
      error_description: 'You have made too many requests continuously. Please try again after some time.',
      status: 'failure',
    });
    expect(sim.counters).toMatchObject({ tokensMinted: 10, mintsDenied: 1, tokenRequests: 11 });

    clock.advance(600_000 - 10_000); // the first mint is now exactly 10 min old
    expect((await tokenRequest(sim, refreshParams())).status).toBe(200);
    expect((await tokenRequest(sim, refreshParams())).status).toBe(400);
  });

  it('answers the denied mint in the account\'s language when asked (mintDeniedLanguage zh)', async () => {
    const sim = await startTestSimulator({ mintLimit: 1, mintDeniedLanguage: 'zh' });
    expect((await tokenRequest(sim, refreshParams())).status).toBe(200);
    const denied = await tokenRequest(sim, refreshParams());
    expect(denied.status).toBe(400);
    expect(denied.body).toEqual({ error: '拒绝访问', error_description: '您已连续提出过多请求，请稍后再试。', status: 'failure' });
  });

  it('keeps at most 15 live tokens: the 16th mint invalidates the oldest', async () => {
    const sim = await startTestSimulator({ mintLimit: 100 });
    const tokens: string[] = [];
    for (let i = 0; i < 16; i += 1) tokens.push(await mintToken(sim));
    const oldest = await pagePut(sim, tokens[0] ?? '', [pageEntry]);
    expect(oldest.status).toBe(401);
    expect((oldest.body as { code: string }).code).toBe('INVALID_TOKEN');
    expect((await pagePut(sim, tokens[1] ?? '', [pageEntry])).status).toBe(200);
  });

  it('answers 401 INVALID_TOKEN once a token has expired (injected clock)', async () => {
    const clock = manualClock();
    const sim = await startTestSimulator({ now: clock.now, tokenTtlS: 60 });
    const token = await mintToken(sim);
    clock.advance(59_999);
    const live = await pagePut(sim, token, [pageEntry]);
    expect(live.status).toBe(200);
    expect(live.headers['x-accesstoken-reset']).toBe(new Date(clock.now() + 1).toISOString());
    clock.advance(1);
    const expired = await pagePut(sim, token, [pageEntry]);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' });
  });

  it('expireTokens() ends every issued token at once', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    sim.expireTokens();
    expect((await crm(sim, '/crm/v8/Contacts/extcontact3/Deals', { token, body: { data: [pageEntry] } })).status).toBe(401);
    const fresh = await mintToken(sim);
    expect((await pagePut(sim, fresh, [pageEntry])).status).toBe(200);
  });
});
