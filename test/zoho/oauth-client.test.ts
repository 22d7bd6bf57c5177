import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountsError, OAuthClient } from '../../src/zoho/oauth-client.js';
import { closedPortUrl, reply, startScriptedServer, type Step } from './scripted-server.js';

const SECRET = 'client-secret-9f8e7d6c5b4a';
const REFRESH = '1000.refresh0123456789.abcdef0123456789';
const NOW = 1_700_000_000_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(steps: Step[]) {
  const server = await startScriptedServer(steps);
  const dispatcher = new Agent();
  cleanups.push(() => server.close(), () => dispatcher.close());
  const client = new OAuthClient({
    accountsUrl: `${server.url}/`,
    clientId: '1000.CLIENTID',
    clientSecret: SECRET,
    refreshToken: REFRESH,
    dispatcher,
    now: () => NOW,
  });
  return { server, client };
}

async function mintError(client: OAuthClient): Promise<AccountsError> {
  const error: unknown = await client.mint().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccountsError);
  const accountsError = error as AccountsError;
  expect(accountsError.code).toBe('ACCOUNTS_ERROR');
  expect(accountsError.message).not.toContain(SECRET);
  expect(accountsError.message).not.toContain(REFRESH);
  return accountsError;
}

describe('OAuthClient.mint', () => {
  it('posts the refresh-token grant as a form and returns the token, its domain and expiry', async () => {
    const { server, client } = await setup([
      reply(200, { access_token: '1000.aaaa1111bbbb.cccc2222dddd', expires_in: 3600, api_domain: 'https://www.zohoapis.eu', token_type: 'Bearer' }),
    ]);
    expect(await client.mint()).toEqual({ accessToken: '1000.aaaa1111bbbb.cccc2222dddd', apiDomain: 'https://www.zohoapis.eu', expiresAtMs: NOW + 3_600_000, mintedAtMs: NOW });
    const [sent] = server.requests;
    expect(sent?.method).toBe('POST');
    expect(sent?.rawPath).toBe('/oauth/v2/token');
    expect(sent?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(sent?.body))).toEqual({
      grant_type: 'refresh_token',
      client_id: '1000.CLIENTID',
      client_secret: SECRET,
      refresh_token: REFRESH,
    });
  });

  it('accepts the older reply with expires_in in ms plus expires_in_sec', async () => {
    const { client } = await setup([reply(200, { access_token: 't', expires_in: 3_600_000, expires_in_sec: 3600, api_domain: 'https://www.zohoapis.com' })]);
    expect((await client.mint()).expiresAtMs).toBe(NOW + 3_600_000);
  });

  it('HTTP 200 with {"error":"invalid_code"} → AccountsError invalid_code, not retryable, one short line naming the variable', async () => {
    const { client } = await setup([reply(200, { error: 'invalid_code' })]);
    const error = await mintError(client);
    expect(error).toMatchObject({ zohoError: 'invalid_code', isRetryable: false, throttled: false, httpStatus: 200 });
    expect(error.message).toBe('ZOHO_REFRESH_TOKEN refused (invalid_code): revoked, or from another data centre (ZOHO_DC)');
  });

  it('invalid_client is not retryable either', async () => {
    const { client } = await setup([reply(200, { error: 'invalid_client' })]);
    expect(await mintError(client)).toMatchObject({ zohoError: 'invalid_client', isRetryable: false, throttled: false });
  });

  // The throttle answer as recorded in English and from a Chinese-language account
  // (docs/zoho.md#errors-from-the-accounts-server): the words differ, the status and shape do not.
  const THROTTLE_ANSWERS = [
    { error: 'Access Denied', error_description: 'You have made too many requests continuously. Please try again after some time.', status: 'failure' },
    { error: '拒绝访问', error_description: '您已连续提出过多请求，请稍后再试。', status: 'failure' },
    { error: 'Accès refusé', error_description: 'Trop de requêtes.', status: 'failure' },
  ];

  it.each(THROTTLE_ANSWERS)('HTTP 400 with status "failure" is a throttle whatever its language: $error', async (body) => {
    const { client } = await setup([reply(400, body)]);
    const error = await mintError(client);
    expect(error).toMatchObject({ zohoError: body.error, isRetryable: true, throttled: true, httpStatus: 400, description: body.error_description });
    expect(error.message).toBe('Zoho throttles token requests (10 per 10 minutes)');
  });

  it('tells a throttle from a refused credential by status and shape', async () => {
    const { client } = await setup([
      reply(200, { error: '拒绝访问', status: 'failure' }), // the documented body with Zoho's usual HTTP 200
      reply(429, '<html>slow down</html>'),
      reply(400, { error: 'invalid_code', status: 'failure' }), // a machine code is never a throttle
      reply(200, { error: 'invalid_client_secret' }),
    ]);
    expect(await mintError(client)).toMatchObject({ throttled: true });
    expect(await mintError(client)).toMatchObject({ throttled: true, httpStatus: 429 });
    expect(await mintError(client)).toMatchObject({ throttled: false, zohoError: 'invalid_code' });
    expect(await mintError(client)).toMatchObject({ throttled: false, isRetryable: false, message: 'ZOHO_CLIENT_SECRET refused (invalid_client_secret)' });
  });

  it('5xx with an HTML page → retryable; an unexpected 4xx page → not', async () => {
    const { client } = await setup([reply(503, '<html>down</html>'), reply(404, '<html>nope</html>')]);
    expect(await mintError(client)).toMatchObject({ isRetryable: true, httpStatus: 503, zohoError: undefined });
    expect(await mintError(client)).toMatchObject({ isRetryable: false, httpStatus: 404 });
  });

  it('an unreachable accounts server → retryable', async () => {
    const client = new OAuthClient({ accountsUrl: await closedPortUrl(), clientId: 'id', clientSecret: SECRET, refreshToken: REFRESH });
    const error = await mintError(client);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toMatch(/^the Zoho accounts server http:\/\/127\.0\.0\.1:\d+ did not answer \(ECONNREFUSED\)$/);
  });

  it('never repeats the secret or refresh token, even when Zoho echoes them', async () => {
    const { client } = await setup([reply(200, { error: `no ${SECRET}`, error_description: `bad ${SECRET} for ${REFRESH}` })]);
    const error = await mintError(client);
    expect(error.message).toContain('[redacted]');
    expect(error.description).toBe('bad [redacted] for [redacted]');
  });

  it('validates its options without echoing secrets', () => {
    expect(() => new OAuthClient({ accountsUrl: 'accounts.zoho.eu', clientId: '', clientSecret: '', refreshToken: REFRESH, timeoutMs: 0 })).toThrow(
      "OAuthClient: accountsUrl: expected an http(s) URL, got 'accounts.zoho.eu'; clientId: expected a non-empty string; clientSecret: expected a non-empty string; timeoutMs: expected a number > 0 (ms), got 0",
    );
  });
});
