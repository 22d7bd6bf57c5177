import { describe, expect, it } from 'vitest';
import { classifyPage, parseWithLongIntegers } from '../../src/zoho/zoho-client.js';

describe('reading a page of related records', () => {
  it('reads integers above 2^53 as their digits, leaves strings and decimals alone', () => {
    const text = '{"data":[{"id":"5","Contact_Role":111111000000026002,"p":0.12345678901234567,"s":"x\\": 12345678901234567890"}]}';
    expect(parseWithLongIntegers(text)).toEqual({ data: [{ id: '5', Contact_Role: '111111000000026002', p: Number('0.12345678901234567'), s: 'x": 12345678901234567890' }] });
  });

  it('a page: ids, values as text, lookups by id; 204 is an empty last page; an error envelope is judged as any call', () => {
    const body = JSON.stringify({ data: [{ id: '7', External_Deal_ID: 'D-7', Account: { name: 'A', id: '9' }, list_price: 12.5, Member_Status: null }], info: { more_records: true } });
    expect(classifyPage(200, {}, body)).toEqual({ kind: 'page', more: true, links: [{ id: '7', values: { id: '7', External_Deal_ID: 'D-7', Account: '9', list_price: '12.5', Member_Status: null } }] });
    expect(classifyPage(204, {}, '')).toEqual({ kind: 'page', links: [], more: false });
    expect(classifyPage(400, {}, JSON.stringify({ code: 'REQUIRED_PARAM_MISSING', message: 'One of the expected parameter is missing', details: { param_name: 'fields' }, status: 'error' })))
      .toMatchObject({ kind: 'request-error', code: 'REQUIRED_PARAM_MISSING' });
    expect(classifyPage(429, {}, '')).toMatchObject({ kind: 'rate-limited' });
  });
});
