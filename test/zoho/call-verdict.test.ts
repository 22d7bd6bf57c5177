import { describe, expect, it } from 'vitest';
import { classifyNetworkError, classifyResponse, parseRetryAfterMs } from '../../src/zoho/call-verdict.js';
import { entryMessage } from '../../src/zoho/entry-message.js';

const envelope = (code: string, message: string, details: Record<string, unknown> = {}): string =>
  JSON.stringify({ code, details, message, status: 'error' });

const mixedBody = JSON.stringify({
  data: [
    { code: 'SUCCESS', details: { External_Deal_ID: 'D-77', id: '111111000000094028' }, message: 'relation added', status: 'success' },
    {
      code: 'INVALID_DATA',
      details: { api_name: 'External_Deal_ID', json_path: '$.data[1].External_Deal_ID' },
      message: 'the related id given seems to be invalid',
      status: 'error',
    },
  ],
});

describe('classifyResponse: per-entry results', () => {
  it.each([200, 207, 400])('HTTP %i with a data array → results, whatever the status (docs/zoho.md#unknown-status-of-a-partly-failed-call)', (status) => {
    const verdict = classifyResponse(status, {}, mixedBody);
    expect(verdict).toEqual({
      kind: 'results',
      httpStatus: status,
      entries: [
        {
          status: 'success',
          code: 'SUCCESS',
          message: 'relation added',
          zohoId: '111111000000094028',
          details: { External_Deal_ID: 'D-77', id: '111111000000094028' },
        },
        {
          status: 'error',
          code: 'INVALID_DATA',
          message: 'the related id given seems to be invalid (api_name: External_Deal_ID, json_path: $.data[1].External_Deal_ID)',
          details: { api_name: 'External_Deal_ID', json_path: '$.data[1].External_Deal_ID' },
        },
      ],
    });
  });

  it.each([
    ['MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'External_Deal_ID', json_path: '$.data[0].External_Deal_ID' }],
    ['DUPLICATE_DATA', 'duplicate data', { api_name: 'External_Deal_ID', json_path: '$.data[0].External_Deal_ID' }],
    ['INVALID_DATA', 'invalid data', { expected_data_type: 'bigint', api_name: 'Contact_Role', json_path: '$.data[0].Contact_Role' }],
    ['AUTHORIZATION_FAILED', 'permission denied', {}],
    ['CANNOT_BE_UPDATED', 'cannot be updated', {}],
    ['LIMIT_REACHED', 'limit reached', {}],
    ['NOT_ALLOWED', 'not allowed', {}],
    ['ALREADY_USED', 'already used', {}],
  ])('per-entry %s stays an entry result (docs/zoho.md#one-result-per-entry)', (code, message, details) => {
    const body = JSON.stringify({ data: [{ code, details, message, status: 'error' }] });
    const verdict = classifyResponse(400, {}, body);
    const [entry] = (verdict as { entries: Array<{ message: string }> }).entries;
    expect(verdict).toMatchObject({ kind: 'results', entries: [{ status: 'error', code, details }] });
    expect(entry?.message).toBe(entryMessage({ code, message, details }));
    expect(entry?.message.startsWith(message)).toBe(true);
  });

  it('reports X-API-CREDITS-REMAINING, case-insensitively', () => {
    expect(classifyResponse(200, { 'X-API-CREDITS-REMAINING': '4211' }, mixedBody)).toMatchObject({ creditsRemaining: 4211 });
    expect(classifyResponse(200, {}, mixedBody)).not.toHaveProperty('creditsRemaining');
  });

  it('keeps whatever came back (shorter arrays are the caller’s business) and marks non-object entries', () => {
    const verdict = classifyResponse(200, {}, JSON.stringify({ data: [null] }));
    expect(verdict).toMatchObject({ kind: 'results', entries: [{ status: 'error', code: 'BAD_RESPONSE' }] });
    expect(classifyResponse(200, {}, JSON.stringify({ data: [] }))).toEqual({ kind: 'results', httpStatus: 200, entries: [] });
  });

  it('accepts a numeric details.id as zohoId', () => {
    const body = JSON.stringify({ data: [{ code: 'SUCCESS', details: { id: 42 }, message: 'relation added', status: 'success' }] });
    expect(classifyResponse(200, {}, body)).toMatchObject({ entries: [{ zohoId: '42' }] });
  });
});

describe('classifyResponse: whole-request errors (docs/zoho.md#whole-request-errors)', () => {
  it.each([
    [400, 'INVALID_DATA', 'the id given seems to be invalid'],
    [400, 'INVALID_MODULE', 'the module name given seems to be invalid'],
    [400, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one'],
    [400, 'AUTHORIZATION_FAILED', 'User does not have sufficient privilege'],
    [400, 'MANDATORY_NOT_FOUND', 'required field not found'],
    [401, 'OAUTH_SCOPE_MISMATCH', 'invalid oauth scope to access this URL'],
    [401, 'AUTHENTICATION_FAILURE', 'Authentication failed'],
    [403, 'NO_PERMISSION', 'permission denied'],
    [404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one'],
  ])('HTTP %i %s → request-error', (status, code, message) => {
    expect(classifyResponse(status, {}, envelope(code, message))).toEqual({ kind: 'request-error', httpStatus: status, code, message });
  });

  it('puts details into the message of a request-error', () => {
    const body = envelope('INVALID_DATA', 'the id given seems to be invalid', { api_name: 'External_Contact_ID' });
    expect(classifyResponse(400, {}, body)).toMatchObject({ message: 'the id given seems to be invalid (api_name: External_Contact_ID)' });
  });

  it('401 INVALID_TOKEN → token-invalid', () => {
    const body = '{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}';
    expect(classifyResponse(401, {}, body)).toEqual({
      kind: 'token-invalid',
      httpStatus: 401,
      code: 'INVALID_TOKEN',
      message: 'invalid oauth token',
    });
  });

  it('an unreadable 4xx (a proxy page) is a request-error HTTP_<status>', () => {
    expect(classifyResponse(404, {}, '<html>Not Found</html>')).toMatchObject({ kind: 'request-error', code: 'HTTP_404' });
  });
});

describe('classifyResponse: rate limits (docs/zoho.md#unknown-what-a-429-says)', () => {
  it('429 → rate-limited, honouring Retry-After in seconds', () => {
    const verdict = classifyResponse(429, { 'retry-after': '7' }, envelope('TOO_MANY_REQUESTS', 'Too many requests'));
    expect(verdict).toEqual({ kind: 'rate-limited', code: 'TOO_MANY_REQUESTS', message: 'Too many requests', reason: 'unknown', retryAfterMs: 7000 });
  });

  it('honours Retry-After as an HTTP date', () => {
    expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfterMs('soon')).toBeUndefined();
  });

  it.each([
    ['You have exceeded the concurrency limit', 'concurrency'],
    ['Sub-concurrency limit exceeded', 'concurrency'],
    ['You have exhausted the API credits for the day', 'credits'],
    ['Too many requests', 'unknown'],
  ])('guesses the reason from the text only: "%s" → %s', (message, reason) => {
    expect(classifyResponse(429, {}, envelope('TOO_MANY_REQUESTS', message))).toMatchObject({ reason });
  });

  it('no credits left in the header means credits', () => {
    expect(classifyResponse(429, { 'x-api-credits-remaining': '0' }, '')).toMatchObject({ kind: 'rate-limited', reason: 'credits' });
  });

  it('a 429 is never turned into per-row results, even with a data array', () => {
    const body = JSON.stringify({ data: [{ code: 'TOO_MANY_REQUESTS', status: 'error', message: 'x' }] });
    expect(classifyResponse(429, {}, body)).toMatchObject({ kind: 'rate-limited' });
  });
});

describe('classifyResponse: retry', () => {
  it.each([500, 502, 503, 504])('HTTP %i → retry', (status) => {
    expect(classifyResponse(status, {}, envelope('INTERNAL_ERROR', 'Internal server error occurred.'))).toMatchObject({
      kind: 'retry',
      httpStatus: status,
      code: 'INTERNAL_ERROR',
    });
  });

  it('HTML or garbage on 502 → retry HTTP_502, and Retry-After is kept', () => {
    const verdict = classifyResponse(502, { 'retry-after': '3' }, '<html><body>Bad Gateway</body></html>');
    expect(verdict).toMatchObject({ kind: 'retry', httpStatus: 502, code: 'HTTP_502', retryAfterMs: 3000 });
  });

  it('garbage or no results on 200 → retry BAD_RESPONSE (resending the PUT is safe)', () => {
    expect(classifyResponse(200, {}, 'not json')).toMatchObject({ kind: 'retry', code: 'BAD_RESPONSE' });
    expect(classifyResponse(200, {}, '')).toMatchObject({ kind: 'retry', code: 'BAD_RESPONSE' });
    expect(classifyResponse(200, {}, '{}')).toMatchObject({ kind: 'retry', code: 'BAD_RESPONSE' });
  });
});

describe('entryMessage', () => {
  it('joins the message with the details', () => {
    const message = entryMessage({
      code: 'INVALID_DATA',
      message: 'the related id given seems to be invalid',
      details: { api_name: 'External_Deal_ID', json_path: '$.data[0].External_Deal_ID' },
    });
    expect(message).toBe('the related id given seems to be invalid (api_name: External_Deal_ID, json_path: $.data[0].External_Deal_ID)');
  });

  it('is idempotent, so an EntryResult can go through it again', () => {
    const result = { code: 'INVALID_DATA', message: 'invalid data', details: { api_name: 'Contact_Role' } };
    const once = entryMessage(result);
    expect(entryMessage({ ...result, message: once })).toBe('invalid data (api_name: Contact_Role)');
  });

  it('falls back to the code and renders nested details as JSON', () => {
    expect(entryMessage({ code: 'NO_PERMISSION', message: '', details: { permissions: ['Crm_Implied_Api_Access'] } })).toBe(
      'NO_PERMISSION (permissions: ["Crm_Implied_Api_Access"])',
    );
  });

  it('never carries a token', () => {
    const message = entryMessage({ code: 'X', message: 'bad header Zoho-oauthtoken 1000.abcdef1234.abcdef5678 seen' });
    expect(message).not.toContain('1000.abcdef1234');
    expect(message).toContain('[redacted]');
  });
});

describe('classifyNetworkError', () => {
  const withCode = (code: string, message = 'boom'): Error => Object.assign(new Error(message), { code });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])(
    '%s → retry with that code',
    (code) => {
      expect(classifyNetworkError(withCode(code))).toMatchObject({ kind: 'retry', code });
    },
  );

  it('finds codes in causes and AggregateErrors', () => {
    expect(classifyNetworkError(new Error('fetch failed', { cause: withCode('ECONNRESET') }))).toMatchObject({ code: 'ECONNRESET' });
    expect(classifyNetworkError(new AggregateError([withCode('ECONNREFUSED')]))).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('aborts and timeouts retry as ABORTED / TIMEOUT', () => {
    expect(classifyNetworkError(new DOMException('aborted', 'AbortError'))).toMatchObject({ kind: 'retry', code: 'ABORTED' });
    expect(classifyNetworkError(new DOMException('timed out', 'TimeoutError'))).toMatchObject({ kind: 'retry', code: 'TIMEOUT' });
  });

  it('unknown failures retry as NETWORK_ERROR; request-building bugs are request-errors', () => {
    expect(classifyNetworkError('weird')).toMatchObject({ kind: 'retry', code: 'NETWORK_ERROR' });
    expect(classifyNetworkError(withCode('UND_ERR_INVALID_ARG', 'invalid x-external header'))).toMatchObject({
      kind: 'request-error',
      httpStatus: 0,
      code: 'UND_ERR_INVALID_ARG',
    });
  });
});
