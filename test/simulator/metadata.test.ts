import { afterEach, describe, expect, it } from 'vitest';
import { closeSimulators, startTestSimulator } from '../helpers/simulator.js';
import { crm, mintToken } from './simulator-helpers.js';

afterEach(closeSimulators);

describe('simulator: metadata endpoints', () => {
  it('lists the fields of a module, the external field marked as such', async () => {
    const sim = await startTestSimulator();
    const reply = await crm(sim, '/crm/v8/settings/fields?module=Contacts', { method: 'GET', token: await mintToken(sim) });
    expect(reply.status).toBe(200);
    const fields = (reply.body as { fields: { api_name: string }[] }).fields;
    expect(fields.map((field) => field.api_name)).toEqual(['First_Name', 'Last_Name', 'Email', 'External_Contact_ID']);
    expect(fields[3]).toMatchObject({
      api_name: 'External_Contact_ID',
      data_type: 'text',
      unique: { casesensitive: '1' },
      external: { show: true, type: 'user', allow_multiple_config: false },
    });
    expect(fields[0]).toMatchObject({ external: null, unique: null });
  });

  it('lists the related lists of each module', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const contacts = await crm(sim, '/crm/v8/settings/related_lists?module=Contacts', { method: 'GET', token });
    expect(contacts.body).toMatchObject({ related_lists: [{ api_name: 'Deals', module: { api_name: 'Deals' }, href: 'Contacts/{ID}/Deals' }] });
    const deals = await crm(sim, '/crm/v8/settings/related_lists?module=Deals', { method: 'GET', token });
    expect(deals.body).toMatchObject({ related_lists: [{ api_name: 'Contact_Roles', module: { api_name: 'Contacts' } }] });
    expect(sim.counters.creditsUsed).toBe(2);
  });

  it('needs the module parameter, a known module and a settings scope', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const missing = await crm(sim, '/crm/v8/settings/fields', { method: 'GET', token });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ code: 'REQUIRED_PARAM_MISSING', details: { param_name: 'module' }, message: 'One of the expected parameter is missing', status: 'error' });
    const unknown = await crm(sim, '/crm/v8/settings/fields?module=Widgets', { method: 'GET', token });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'INVALID_MODULE' });
    expect((await crm(sim, '/crm/v8/settings/fields?module=Contacts', { method: 'PUT', token, body: {} })).body).toMatchObject({ code: 'INVALID_REQUEST_METHOD' });

    const modulesOnly = await startTestSimulator({ scopes: ['ZohoCRM.modules.ALL'] });
    const denied = await crm(modulesOnly, '/crm/v8/settings/related_lists?module=Contacts', { method: 'GET', token: await mintToken(modulesOnly) });
    expect(denied.status).toBe(401);
    expect(denied.body).toMatchObject({ code: 'OAUTH_SCOPE_MISMATCH' });
    const narrow = await startTestSimulator({ scopes: ['ZohoCRM.settings.fields.READ'] });
    const narrowToken = await mintToken(narrow);
    expect((await crm(narrow, '/crm/v8/settings/fields?module=Deals', { method: 'GET', token: narrowToken })).status).toBe(200);
    expect((await crm(narrow, '/crm/v8/settings/related_lists?module=Deals', { method: 'GET', token: narrowToken })).status).toBe(401);
  });
});
