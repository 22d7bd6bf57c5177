import { afterEach, describe, expect, it } from 'vitest';
import type { ModuleName } from '../../src/simulator/index.js';
import {
  bothExternal,
  closeSimulators,
  crm,
  dataOf,
  mintToken,
  primaryExternal,
  recordId,
  ROLE_ID,
  startTestSimulator,
} from './simulator-helpers.js';

afterEach(closeSimulators);

interface RelationCase {
  base: ModuleName;
  list: string;
  related: ModuleName;
  /** The list on the related module that shows the same links. */
  reverse: string;
  entry: Record<string, unknown>;
}

/** Every relation the API serves, from each side, with a valid entry field where the relation has one. */
const CASES: RelationCase[] = [
  { base: 'Contacts', list: 'Deals', related: 'Deals', reverse: 'Contact_Roles', entry: { Contact_Role: ROLE_ID } },
  { base: 'Deals', list: 'Contact_Roles', related: 'Contacts', reverse: 'Deals', entry: { Contact_Role: ROLE_ID } },
  { base: 'Campaigns', list: 'Leads', related: 'Leads', reverse: 'Campaigns', entry: { Member_Status: 'Active' } },
  { base: 'Leads', list: 'Campaigns', related: 'Campaigns', reverse: 'Leads', entry: { Member_Status: 'Sent' } },
  { base: 'Campaigns', list: 'Contacts', related: 'Contacts', reverse: 'Campaigns', entry: { Member_Status: 'Planning' } },
  { base: 'Contacts', list: 'Campaigns', related: 'Campaigns', reverse: 'Contacts', entry: { Member_Status: 'Responded' } },
  { base: 'Products', list: 'Price_Books', related: 'Price_Books', reverse: 'Products', entry: { list_price: 12.5 } },
  { base: 'Price_Books', list: 'Products', related: 'Products', reverse: 'Price_Books', entry: { list_price: 99 } },
  { base: 'Products', list: 'Leads', related: 'Leads', reverse: 'Products', entry: {} },
  { base: 'Leads', list: 'Products', related: 'Products', reverse: 'Leads', entry: {} },
  { base: 'Products', list: 'Accounts', related: 'Accounts', reverse: 'Products', entry: {} },
  { base: 'Accounts', list: 'Products', related: 'Products', reverse: 'Accounts', entry: {} },
  { base: 'Products', list: 'Contacts', related: 'Contacts', reverse: 'Products', entry: {} },
  { base: 'Contacts', list: 'Products', related: 'Products', reverse: 'Contacts', entry: {} },
  { base: 'Products', list: 'Deals', related: 'Deals', reverse: 'Products', entry: {} },
  { base: 'Deals', list: 'Products', related: 'Products', reverse: 'Deals', entry: {} },
  { base: 'Appointments__s', list: 'Services__s', related: 'Services__s', reverse: 'Appointments__s', entry: {} },
  { base: 'Services__s', list: 'Appointments__s', related: 'Appointments__s', reverse: 'Services__s', entry: {} },
];

/** The first generated record's external value of each module. */
const FIRST: Record<ModuleName, string> = {
  Contacts: 'C-0001',
  Deals: 'D-0001',
  Campaigns: 'CMP-0001',
  Leads: 'L-0001',
  Products: 'P-0001',
  Price_Books: 'PB-0001',
  Accounts: 'A-0001',
  Appointments__s: 'AP-0001',
  Services__s: 'S-0001',
};

describe('simulator: every relation, both directions', () => {
  it.each(CASES)('PUT $base/{ext}/$list is seen by GET $related/{ext}/$reverse', async ({ base, list, related, reverse, entry }) => {
    const sim = await startTestSimulator({ roleInList: 'string' });
    const token = await mintToken(sim);
    const relatedField = primaryExternal(related);
    const put = await crm(sim, `/crm/v8/${base}/${FIRST[base]}/${list}`, {
      token,
      external: bothExternal(base, related),
      body: { data: [{ [relatedField]: FIRST[related], ...entry }] },
    });
    expect(put.status).toBe(200);
    const relatedId = recordId(sim, related, relatedField, FIRST[related]);
    expect(put.body).toEqual({
      data: [{ code: 'SUCCESS', details: { [relatedField]: FIRST[related], id: relatedId }, message: 'relation added', status: 'success' }],
    });

    const baseField = primaryExternal(base);
    const got = await crm(sim, `/crm/v8/${related}/${FIRST[related]}/${reverse}?fields=${baseField}`, {
      method: 'GET',
      token,
      external: `${related}.${relatedField}`,
    });
    expect(got.status).toBe(200);
    const expectedEntry = Object.keys(entry).length === 0 ? {} : entry;
    expect(dataOf(got)).toEqual([{ id: recordId(sim, base, baseField, FIRST[base]), [baseField]: FIRST[base], ...expectedEntry }]);
    expect(sim.links()).toHaveLength(1);
  });

  it('both sides write the same link: a PUT from the other side updates it, a DELETE from either removes it', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const fromCampaign = await crm(sim, '/crm/v8/Campaigns/CMP-0002/Leads', {
      token,
      external: bothExternal('Campaigns', 'Leads'),
      body: { data: [{ External_Lead_ID: 'L-0003', Member_Status: 'Invited' }] },
    });
    expect(dataOf(fromCampaign)[0]).toMatchObject({ message: 'relation added' });
    const fromLead = await crm(sim, '/crm/v8/Leads/L-0003/Campaigns', {
      token,
      external: bothExternal('Leads', 'Campaigns'),
      body: { data: [{ External_Campaign_ID: 'CMP-0002', Member_Status: 'Responded' }] },
    });
    expect(dataOf(fromLead)[0]).toMatchObject({ message: 'relation updated' });
    const campaign = recordId(sim, 'Campaigns', 'External_Campaign_ID', 'CMP-0002');
    const lead = recordId(sim, 'Leads', 'External_Lead_ID', 'L-0003');
    expect(sim.links()).toEqual([{ relation: 'Campaigns-Leads', ids: [campaign, lead], value: 'Responded' }]);

    const removed = await crm(sim, `/crm/v8/Leads/${lead}/Campaigns?ids=${campaign}`, { method: 'DELETE', token });
    expect(dataOf(removed)).toEqual([{ code: 'SUCCESS', details: { id: campaign }, message: 'relation removed', status: 'success' }]);
    expect(sim.links()).toEqual([]);
  });

  it('single-record form: PUT …/{list}/{related} links the record named in the path, with one entry of fields', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const priceBook = recordId(sim, 'Price_Books', 'External_Price_Book_ID', 'PB-0003');
    const byId = await crm(sim, `/crm/v8/Products/P-0001/Price_Books/${priceBook}`, {
      token,
      external: 'Products.External_Product_ID',
      body: { data: [{ list_price: 41.5 }] },
    });
    expect(byId.body).toEqual({ data: [{ code: 'SUCCESS', details: { id: priceBook }, message: 'relation added', status: 'success' }] });
    const byExternal = await crm(sim, '/crm/v8/Contacts/extcontact3/Deals/extdeal3', { token, external: 'Contacts.External_Contact_ID,Deals.External_Deal_ID', body: { data: [{ Contact_Role: ROLE_ID }] } });
    expect(byExternal.body).toEqual({ data: [{ code: 'SUCCESS', details: { External_Deal_ID: 'extdeal3', id: '111111000000094028' }, message: 'relation added', status: 'success' }] });
    expect(sim.links().map((link) => link.value)).toEqual([41.5, ROLE_ID]);

    const two = await crm(sim, '/crm/v8/Contacts/extcontact3/Deals/extdeal3', { token, external: 'Contacts.External_Contact_ID,Deals.External_Deal_ID', body: { data: [{}, {}] } });
    expect(two.body).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'data', maximum_length: 1 } });
    const unknown = await crm(sim, '/crm/v8/Contacts/extcontact3/Deals/no-such-deal', { token, external: 'Contacts.External_Contact_ID,Deals.External_Deal_ID', body: { data: [{}] } });
    expect(unknown.status).toBe(400);
    expect(dataOf(unknown)).toEqual([{ code: 'INVALID_DATA', details: { api_name: 'External_Deal_ID', json_path: '$.data[0].External_Deal_ID' }, message: 'the related id given seems to be invalid', status: 'error' }]);
  });

  it('the modules have several external fields: either one names the base or the related record', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const reply = await crm(sim, '/crm/v8/Contacts/billcontact3/Deals', {
      token,
      external: 'Contacts.Billing_Contact_ID,Deals.Legacy_Deal_ID',
      body: { data: [{ Legacy_Deal_ID: 'legacy-D-0002', Contact_Role: ROLE_ID }] },
    });
    const deal = recordId(sim, 'Deals', 'External_Deal_ID', 'D-0002');
    expect(reply.body).toEqual({ data: [{ code: 'SUCCESS', details: { Legacy_Deal_ID: 'legacy-D-0002', id: deal }, message: 'relation added', status: 'success' }] });
    expect(sim.associations()).toEqual([{ contactId: '111111000000085009', dealId: deal, contactRoleId: ROLE_ID }]);

    const mixed = await crm(sim, '/crm/v8/Products/legacy-P-0004/Price_Books', {
      token,
      external: 'Products.Legacy_Product_ID,Price_Books.External_Price_Book_ID',
      body: { data: [{ External_Price_Book_ID: 'PB-0001', list_price: 3 }] },
    });
    expect(mixed.status).toBe(200);
    // The value of one external field does not match through another.
    const wrongField = await crm(sim, '/crm/v8/Products/P-0004/Price_Books', {
      token,
      external: 'Products.Legacy_Product_ID,Price_Books.External_Price_Book_ID',
      body: { data: [{ External_Price_Book_ID: 'PB-0001' }] },
    });
    expect(wrongField.body).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'Legacy_Product_ID' } });
  });

  it('refuses lists that are no relation of the module, and writes to a lookup-based list', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const unknown = await crm(sim, '/crm/v8/Campaigns/CMP-0001/Deals', { token, external: 'Campaigns.External_Campaign_ID', body: { data: [{ id: '1' }] } });
    expect(unknown.body).toEqual({ code: 'INVALID_DATA', details: {}, message: 'The relation name given seems to be invalid', status: 'error' });
    for (const method of ['PUT', 'DELETE'] as const) {
      const lookup = await crm(sim, `/crm/v8/Accounts/A-0001/Contacts${method === 'DELETE' ? '?ids=1' : ''}`, {
        method,
        token,
        external: 'Accounts.External_Account_ID',
        body: method === 'PUT' ? { data: [{ id: recordId(sim, 'Contacts', 'External_Contact_ID', 'C-0002') }] } : undefined,
      });
      expect(lookup.status, method).toBe(400);
      expect(lookup.body).toEqual({ code: 'INVALID_MODULE', details: {}, message: 'the module name given seems to be invalid', status: 'error' });
    }
    expect(sim.links()).toEqual([]);
  });
});

describe('simulator: entry fields', () => {
  const put = (sim: Awaited<ReturnType<typeof startTestSimulator>>, token: string, path: string, external: string, data: unknown[]) =>
    crm(sim, path, { token, external, body: { data } });

  it('list_price must be a number: anything else is INVALID_DATA naming the field and the expected type', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const data = [{ External_Price_Book_ID: 'PB-0001', list_price: 10 }, ...['12.5', true, { amount: 1 }].map((price) => ({ External_Price_Book_ID: 'PB-0002', list_price: price }))];
    const reply = await put(sim, token, '/crm/v8/Products/P-0001/Price_Books', bothExternal('Products', 'Price_Books'), data);
    expect(reply.status).toBe(207);
    const results = dataOf(reply);
    expect(results[0]).toMatchObject({ code: 'SUCCESS' });
    for (const index of [1, 2, 3]) {
      expect(results[index]).toEqual({
        code: 'INVALID_DATA',
        details: { expected_data_type: 'double', api_name: 'list_price', json_path: `$.data[${index}].list_price` },
        message: 'invalid data',
        status: 'error',
      });
    }
    expect(sim.links().map((link) => link.value)).toEqual([10]);

    sim.setOptions({ numericStrings: 'accept' });
    expect((await put(sim, token, '/crm/v8/Price_Books/PB-0002/Products', bothExternal('Price_Books', 'Products'), [{ External_Product_ID: 'P-0001', list_price: '12.5' }])).status).toBe(200);
    expect(sim.links().map((link) => link.value)).toEqual([10, 12.5]);
  });

  it('Member_Status must be one of the picklist values, exactly', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const data = ['Sent', 'Activ', 'active', 7].map((status, index) => ({ External_Lead_ID: `L-000${index + 1}`, Member_Status: status }));
    const reply = await put(sim, token, '/crm/v8/Campaigns/CMP-0001/Leads', bothExternal('Campaigns', 'Leads'), data);
    expect(reply.status).toBe(207);
    const results = dataOf(reply);
    expect(results[0]).toMatchObject({ code: 'SUCCESS', message: 'relation added' });
    for (const index of [1, 2]) {
      expect(results[index]).toEqual({
        code: 'INVALID_DATA',
        details: { api_name: 'Member_Status', json_path: `$.data[${index}].Member_Status` },
        message: 'invalid data',
        status: 'error',
      });
    }
    expect(results[3]).toMatchObject({ code: 'INVALID_DATA', details: { expected_data_type: 'picklist', api_name: 'Member_Status', json_path: '$.data[3].Member_Status' } });
    expect(sim.links()).toHaveLength(1);
  });

  it('keeps an entry field an update omits, clears it on null, and ignores fields of other relations', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const path = '/crm/v8/Contacts/C-0001/Campaigns';
    const external = bothExternal('Contacts', 'Campaigns');
    await put(sim, token, path, external, [{ External_Campaign_ID: 'CMP-0001', Member_Status: 'Opened' }]);
    await put(sim, token, path, external, [{ External_Campaign_ID: 'CMP-0001' }]);
    expect(sim.links()[0]?.value).toBe('Opened');
    await put(sim, token, path, external, [{ External_Campaign_ID: 'CMP-0001', Member_Status: null }]);
    expect(sim.links()[0]?.value).toBeNull();
    const noField = await put(sim, token, '/crm/v8/Leads/L-0001/Products', bothExternal('Leads', 'Products'), [{ External_Product_ID: 'P-0001', Member_Status: 'nonsense' }]);
    expect(noField.status).toBe(200);
    expect(sim.links()[1]).toMatchObject({ relation: 'Products-Leads', value: null });
  });
});
