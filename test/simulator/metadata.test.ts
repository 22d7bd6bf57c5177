import { afterEach, describe, expect, it } from 'vitest';
import { closeSimulators, startTestSimulator } from '../helpers/simulator.js';
import { crm, crmGetOk, expectScopeMismatch, mintToken } from './simulator-helpers.js';

afterEach(closeSimulators);

describe('simulator: metadata endpoints', () => {
  it('lists the fields of a module, its external fields marked as such', async () => {
    const sim = await startTestSimulator();
    const { fields } = await crmGetOk<{ fields: { api_name: string; external: unknown }[] }>(sim, '/crm/v8/settings/fields?module=Contacts');
    expect(fields.map((field) => field.api_name)).toEqual(['First_Name', 'Last_Name', 'Email', 'Account_Name', 'External_Contact_ID', 'Billing_Contact_ID']);
    expect(fields.filter((field) => field.external !== null).map((field) => field.api_name)).toEqual(['External_Contact_ID', 'Billing_Contact_ID']);
    expect(fields[4]).toMatchObject({
      api_name: 'External_Contact_ID',
      data_type: 'text',
      unique: { casesensitive: '1' },
      external: { show: true, type: 'user', allow_multiple_config: false },
    });
    expect(fields[0]).toMatchObject({ external: null, unique: null });
    expect(fields[3]).toMatchObject({ api_name: 'Account_Name', data_type: 'lookup', lookup: { module: { api_name: 'Accounts' } } });
  });

  it('describes every module the API serves, each with External_<Singular>_ID and a second external field', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const expected: Record<string, string> = {
      Contacts: 'External_Contact_ID',
      Deals: 'External_Deal_ID',
      Campaigns: 'External_Campaign_ID',
      Leads: 'External_Lead_ID',
      Products: 'External_Product_ID',
      Price_Books: 'External_Price_Book_ID',
      Accounts: 'External_Account_ID',
      Appointments__s: 'External_Appointment_ID',
      Services__s: 'External_Service_ID',
    };
    for (const [module, field] of Object.entries(expected)) {
      const reply = await crm(sim, `/crm/v8/settings/fields?module=${module}`, { method: 'GET', token });
      const externals = (reply.body as { fields: { api_name: string; external: unknown }[] }).fields.filter((f) => f.external !== null).map((f) => f.api_name);
      expect(externals[0], module).toBe(field);
      expect(externals, module).toHaveLength(2);
    }
  });

  it('shows the picklist values of Member_Status as Zoho does', async () => {
    const sim = await startTestSimulator();
    type Field = { api_name: string; pick_list_values?: { display_value: string; actual_value: string }[] };
    const { fields } = await crmGetOk<{ fields: Field[] }>(sim, '/crm/v8/settings/fields?module=Campaigns');
    const memberStatus = fields.find((field) => field.api_name === 'Member_Status');
    expect(memberStatus).toMatchObject({ data_type: 'picklist' });
    const values = memberStatus?.pick_list_values ?? [];
    expect(values).toEqual(expect.arrayContaining([{ display_value: 'Active', actual_value: 'Active' }, { display_value: 'Sent', actual_value: 'Sent' }]));
    expect(values.every((value) => Object.keys(value).sort().join() === 'actual_value,display_value')).toBe(true);
  });

  it('lists the related lists of each module, both sides of every relation', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const listsOf = async (module: string) => {
      const reply = await crm(sim, `/crm/v8/settings/related_lists?module=${module}`, { method: 'GET', token });
      return (reply.body as { related_lists: Record<string, unknown>[] }).related_lists;
    };
    const contacts = await listsOf('Contacts');
    expect(contacts.map((list) => list.api_name)).toEqual(['Deals', 'Campaigns', 'Products']);
    expect(contacts[0]).toMatchObject({ api_name: 'Deals', module: { api_name: 'Deals' }, href: 'Contacts/{ID}/Deals', type: 'default' });
    expect(contacts[0]?.fields).toEqual(expect.arrayContaining([expect.objectContaining({ api_name: 'Contact_Role' })]));
    expect((await listsOf('Deals')).map((list) => list.api_name)).toEqual(['Contact_Roles', 'Products']);
    expect((await listsOf('Leads')).map((list) => list.api_name)).toEqual(['Campaigns', 'Products']);
    expect((await listsOf('Price_Books'))[0]).toMatchObject({ api_name: 'Products', fields: expect.arrayContaining([expect.objectContaining({ api_name: 'list_price' })]) });
    expect((await listsOf('Appointments__s'))[0]).toMatchObject({ api_name: 'Services__s', module: { api_name: 'Services__s' } });
    expect(sim.counters.creditsUsed).toBe(5);
  });

  it('marks the lookup-based list (Accounts → Contacts, by Contacts.Account_Name) with connectedlookupApiName', async () => {
    const sim = await startTestSimulator();
    const { related_lists: lists } = await crmGetOk<{ related_lists: Record<string, unknown>[] }>(sim, '/crm/v8/settings/related_lists?module=Accounts');
    expect(lists.map((list) => list.api_name)).toEqual(['Products', 'Contacts']);
    expect(lists[1]).toMatchObject({ api_name: 'Contacts', module: { api_name: 'Contacts' }, connectedlookupApiName: 'Account_Name' });
    expect(lists[0]).not.toHaveProperty('connectedlookupApiName');
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
    await expectScopeMismatch(modulesOnly, '/crm/v8/settings/related_lists?module=Contacts');
    const narrow = await startTestSimulator({ scopes: ['ZohoCRM.settings.fields.READ'] });
    const narrowToken = await mintToken(narrow);
    expect((await crm(narrow, '/crm/v8/settings/fields?module=Deals', { method: 'GET', token: narrowToken })).status).toBe(200);
    expect((await crm(narrow, '/crm/v8/settings/related_lists?module=Deals', { method: 'GET', token: narrowToken })).status).toBe(401);
  });
});
