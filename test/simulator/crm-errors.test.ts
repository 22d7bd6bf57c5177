import { afterEach, describe, expect, it } from 'vitest';
import { closeSimulators, ROLE_ID, startTestSimulator } from '../helpers/simulator.js';
import { crm, mintToken, PAGE_HEADER } from './simulator-helpers.js';

afterEach(closeSimulators);

const data = [{ External_Deal_ID: 'extdeal3', Contact_Role: ROLE_ID }];
const PAGE_PATH = '/crm/v8/Contacts/extcontact3/Deals';
const error = (code: string, message: string, details: Record<string, unknown> = {}) => ({ code, details, message, status: 'error' });

describe('simulator: whole-request errors', () => {
  it('401 AUTHENTICATION_FAILURE without a usable Authorization header, and charges no credit', async () => {
    const sim = await startTestSimulator();
    for (const authorization of [undefined, 'Bearer abc', 'Zoho-oauthtoken', 'Zoho-oauthtoken ']) {
      const reply = await crm(sim, PAGE_PATH, { authorization, external: PAGE_HEADER, body: { data } });
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(error('AUTHENTICATION_FAILURE', 'Authentication failed'));
    }
    expect(sim.counters.creditsUsed).toBe(0);
    expect(sim.associations()).toEqual([]);
  });

  it('401 INVALID_TOKEN for a token it never issued', async () => {
    const sim = await startTestSimulator();
    const reply = await crm(sim, PAGE_PATH, { token: '1000.made.up', external: PAGE_HEADER, body: { data } });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(error('INVALID_TOKEN', 'invalid oauth token'));
  });

  it('401 OAUTH_SCOPE_MISMATCH unless a scope covers updating the module (case-insensitive)', async () => {
    const denied = await startTestSimulator({ scopes: ['ZohoCRM.settings.ALL', 'ZohoCRM.modules.Deals.ALL', 'ZohoCRM.modules.Contacts.READ'] });
    const reply = await crm(denied, PAGE_PATH, { token: await mintToken(denied), external: PAGE_HEADER, body: { data } });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(error('OAUTH_SCOPE_MISMATCH', 'invalid oauth scope to access this URL'));

    const allowed = await startTestSimulator({ scopes: ['zohocrm.modules.contacts.update'] });
    const ok = await crm(allowed, PAGE_PATH, { token: await mintToken(allowed), external: PAGE_HEADER, body: { data } });
    expect(ok.status).toBe(200);
  });

  it('403 NO_PERMISSION for a module in denyModules', async () => {
    const sim = await startTestSimulator({ denyModules: ['Deals'] });
    const reply = await crm(sim, PAGE_PATH, { token: await mintToken(sim), external: PAGE_HEADER, body: { data } });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(error('NO_PERMISSION', 'permission denied', { permissions: ['Crm_Implied_Edit_Deals'] }));
  });

  it('404 INVALID_URL_PATTERN for paths that are not the API (an unencoded "/" in an external id can make one)', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const paths = [
      '/crm/v9/Contacts/extcontact3/Deals',
      '/crm/v8/Contacts/extcontact3',
      '/crm/v8/Contacts/C/odd%201/Deals/x',
      '/crm/v8/Contacts/extcontact3/Deals/',
      '/crm/v8/Contacts/%E0%A4%A/Deals',
      '/elsewhere',
    ];
    for (const path of paths) {
      const reply = await crm(sim, path, { token, external: PAGE_HEADER, body: { data } });
      expect(reply.status, path).toBe(404);
      expect(reply.body).toEqual(error('INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one'));
    }
    // One unencoded "/" makes the single-record path: its third segment is then no related list.
    const split = await crm(sim, '/crm/v8/Contacts/C/odd%201/Deals', { token, external: PAGE_HEADER, body: { data } });
    expect(split.status).toBe(400);
    expect(split.body).toEqual(error('INVALID_DATA', 'The relation name given seems to be invalid'));
  });

  it('400 INVALID_REQUEST_METHOD for a verb other than GET, PUT and DELETE on the related-records path', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    for (const method of ['POST', 'PATCH'] as const) {
      const reply = await crm(sim, PAGE_PATH, { method, token, external: PAGE_HEADER, body: { data } });
      expect(reply.status, method).toBe(400);
      expect(reply.body).toEqual(error('INVALID_REQUEST_METHOD', 'The http request method type is not a valid one'));
    }
    expect(sim.associations()).toEqual([]);
  });

  it('400 INVALID_MODULE for an unknown module, names matched case-sensitively', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    for (const module of ['Widgets', 'contacts']) {
      const reply = await crm(sim, `/crm/v8/${module}/extcontact3/Deals`, { token, external: PAGE_HEADER, body: { data } });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual(error('INVALID_MODULE', 'the module name given seems to be invalid'));
    }
  });

  it('400 INVALID_DATA "The relation name given seems to be invalid" for an unknown related list', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    for (const path of ['/crm/v8/Contacts/extcontact3/Widgets', '/crm/v8/Contacts/extcontact3/deals', '/crm/v8/Deals/extdeal3/Contacts']) {
      const reply = await crm(sim, path, { token, external: PAGE_HEADER, body: { data } });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual(error('INVALID_DATA', 'The relation name given seems to be invalid'));
    }
  });

  it('400 INVALID_DATA naming the field for an unknown base record, by external value or by id', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const byExternal = await crm(sim, '/crm/v8/Contacts/EXTCONTACT3/Deals', { token, external: PAGE_HEADER, body: { data } });
    expect(byExternal.status).toBe(400);
    expect(byExternal.body).toEqual(
      error('INVALID_DATA', 'the external value given for the base record seems to be invalid', { api_name: 'External_Contact_ID' }),
    );
    const byId = await crm(sim, '/crm/v8/Contacts/111111000000000001/Deals', { token, external: 'Deals.External_Deal_ID', body: { data } });
    expect(byId.status).toBe(400);
    expect(byId.body).toEqual(error('INVALID_DATA', 'the id given seems to be invalid', { id: '111111000000000001' }));
    // Without X-EXTERNAL naming the base, an external value in the URL is read as a record id.
    const unnamed = await crm(sim, PAGE_PATH, { token, external: 'Deals.External_Deal_ID', body: { data } });
    expect(unnamed.body).toEqual(error('INVALID_DATA', 'the id given seems to be invalid', { id: 'extcontact3' }));
    expect(sim.associations()).toEqual([]);
  });

  it('400 INVALID_DATA for an X-EXTERNAL that names a field other than the external ones', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    for (const external of ['Contacts.Email', 'Leads.External_Lead_ID', 'Contacts.External_Contact_ID,Contacts.External_Contact_ID', 'External_Deal_ID']) {
      const reply = await crm(sim, PAGE_PATH, { token, external, body: { data } });
      expect(reply.status, external).toBe(400);
      expect((reply.body as { code: string }).code).toBe('INVALID_DATA');
    }
  });

  it('400 for a body that is not {data:[1..100 entries]}', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const many = Array.from({ length: 101 }, () => ({ External_Deal_ID: 'extdeal3' }));
    const cases: [{ body?: unknown; rawBody?: string }, string, Record<string, unknown>][] = [
      [{ rawBody: '{"data":[' }, 'INVALID_DATA', { expected_data_type: 'jsonobject' }],
      [{}, 'INVALID_DATA', { expected_data_type: 'jsonobject' }],
      [{ body: [] }, 'INVALID_DATA', { expected_data_type: 'jsonobject' }],
      [{ body: {} }, 'MANDATORY_NOT_FOUND', { api_name: 'data', json_path: '$.data' }],
      [{ body: { data: {} } }, 'INVALID_DATA', { expected_data_type: 'jsonarray', api_name: 'data', json_path: '$.data' }],
      [{ body: { data: [] } }, 'INVALID_DATA', { api_name: 'data', json_path: '$.data', minimum_length: 1 }],
      [{ body: { data: many } }, 'INVALID_DATA', { api_name: 'data', json_path: '$.data', maximum_length: 100 }],
    ];
    for (const [request, code, details] of cases) {
      const reply = await crm(sim, PAGE_PATH, { token, external: PAGE_HEADER, ...request });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ code, details, status: 'error' });
    }
    expect(sim.associations()).toEqual([]);
  });

  it('accepts every documented API version, v2 to v8', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    for (const version of ['v2', 'v2.1', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8']) {
      const reply = await crm(sim, `/crm/${version}/Contacts/extcontact3/Deals`, { token, external: PAGE_HEADER, body: { data } });
      expect(reply.status, version).toBe(200);
    }
  });
});
