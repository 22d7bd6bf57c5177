import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { bothExternal, closeSimulators, crm, dataOf, mintToken, PAGE_HEADER, pagePut, recordId, ROLE_ID, startTestSimulator } from './simulator-helpers.js';

afterEach(closeSimulators);

const get = (sim: RunningSimulator, token: string, path: string, external?: string) => crm(sim, path, { method: 'GET', token, external });

/** Links lead `L-0001…L-<count>` to campaign CMP-0001, 100 per PUT. */
async function linkLeads(sim: RunningSimulator, token: string, count: number): Promise<void> {
  for (let from = 1; from <= count; from += 100) {
    const data = [];
    for (let i = from; i < Math.min(from + 100, count + 1); i += 1) data.push({ External_Lead_ID: `L-${String(i).padStart(4, '0')}`, Member_Status: 'Sent' });
    const reply = await crm(sim, '/crm/v8/Campaigns/CMP-0001/Leads', { token, external: bothExternal('Campaigns', 'Leads'), body: { data } });
    expect(reply.status).toBe(200);
  }
}

describe('simulator: GET related records', () => {
  it('pages 200 records at a time by default, info.more_records saying whether more follow', async () => {
    const sim = await startTestSimulator({ recordsPerModule: 260 });
    const token = await mintToken(sim);
    await linkLeads(sim, token, 250);
    const path = '/crm/v8/Campaigns/CMP-0001/Leads?fields=External_Lead_ID,Last_Name';
    const first = await get(sim, token, path, 'Campaigns.External_Campaign_ID');
    expect(first.status).toBe(200);
    expect(dataOf(first)).toHaveLength(200);
    expect(dataOf(first)[0]).toEqual({
      id: recordId(sim, 'Leads', 'External_Lead_ID', 'L-0001'),
      External_Lead_ID: 'L-0001',
      Last_Name: sim.dataset.leads[0]?.Last_Name,
      Member_Status: 'Sent',
    });
    expect((first.body as { info: unknown }).info).toEqual({
      per_page: 200,
      next_page_token: null,
      count: 200,
      page: 1,
      previous_page_token: null,
      page_token_expiry: null,
      more_records: true,
    });
    const second = await get(sim, token, `${path}&page=2`, 'Campaigns.External_Campaign_ID');
    expect(dataOf(second).map((record) => record.External_Lead_ID)).toEqual(Array.from({ length: 50 }, (_, i) => `L-${String(201 + i).padStart(4, '0')}`));
    expect((second.body as { info: unknown }).info).toMatchObject({ count: 50, page: 2, more_records: false });
    const small = await get(sim, token, `${path}&per_page=100&page=3`, 'Campaigns.External_Campaign_ID');
    expect((small.body as { info: unknown }).info).toMatchObject({ per_page: 100, count: 50, page: 3, more_records: false });
    // The last full page: nothing after it, so no more records.
    const last = await get(sim, token, `${path}&per_page=50&page=5`, 'Campaigns.External_Campaign_ID');
    expect((last.body as { info: unknown }).info).toMatchObject({ per_page: 50, count: 50, page: 5, more_records: false });
    expect(sim.counters.recordsRead).toBe(350);
  });

  it('per_page over 200 is INVALID_DATA by default, or read as 200 with perPageOverMax "cap"', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    await linkLeads(sim, token, 3);
    const path = '/crm/v8/Campaigns/CMP-0001/Leads?fields=Last_Name&per_page=201';
    const refused = await get(sim, token, path, 'Campaigns.External_Campaign_ID');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_DATA', details: { param_name: 'per_page', maximum: 200 }, status: 'error' });
    sim.setOptions({ perPageOverMax: 'cap' });
    const capped = await get(sim, token, path, 'Campaigns.External_Campaign_ID');
    expect((capped.body as { info: unknown }).info).toMatchObject({ per_page: 200, count: 3 });
    for (const bad of ['per_page=0', 'page=0', 'page=x']) {
      expect((await get(sim, token, `/crm/v8/Campaigns/CMP-0001/Leads?fields=Last_Name&${bad}`, 'Campaigns.External_Campaign_ID')).status, bad).toBe(400);
    }
  });

  it('answers 204 with no body when the base record has no links, or the page is past the last', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const empty = await get(sim, token, '/crm/v8/Contacts/extcontact3/Deals?fields=Deal_Name', 'Contacts.External_Contact_ID');
    expect(empty.status).toBe(204);
    expect(empty.text).toBe('');
    expect(empty.headers['content-type']).toBeUndefined();
    await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3' }]);
    expect((await get(sim, token, '/crm/v8/Contacts/extcontact3/Deals?fields=Deal_Name&page=2', 'Contacts.External_Contact_ID')).status).toBe(204);
    // A base record unknown by id is 204 too; unknown by external value it is 400, as for PUT.
    expect((await get(sim, token, '/crm/v8/Contacts/111111000000000001/Deals?fields=Deal_Name')).status).toBe(204);
    const unknownExternal = await get(sim, token, '/crm/v8/Contacts/nobody/Deals?fields=Deal_Name', 'Contacts.External_Contact_ID');
    expect(unknownExternal.status).toBe(400);
    expect(unknownExternal.body).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'External_Contact_ID' } });
  });

  it('needs the fields parameter: REQUIRED_PARAM_MISSING without it', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3' }]);
    for (const query of ['', '?fields=', '?page=1']) {
      const reply = await get(sim, token, `/crm/v8/Contacts/extcontact3/Deals${query}`, 'Contacts.External_Contact_ID');
      expect(reply.status, query).toBe(400);
      expect(reply.body).toEqual({ code: 'REQUIRED_PARAM_MISSING', details: { param_name: 'fields' }, message: 'One of the expected parameter is missing', status: 'error' });
    }
  });

  it('shows Contact_Role as a bare JSON number with every digit by default, as a string with roleInList "string"', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3', Contact_Role: ROLE_ID }]);
    const path = '/crm/v8/Contacts/extcontact3/Deals?fields=Stage,External_Deal_ID,Nonexistent';
    const asNumber = await get(sim, token, path, 'Contacts.External_Contact_ID');
    expect(asNumber.text).toContain(`"Contact_Role":${ROLE_ID}`);
    expect(dataOf(asNumber)[0]).toEqual({ id: '111111000000094028', Stage: 'Qualification', External_Deal_ID: 'extdeal3', Contact_Role: Number(ROLE_ID) });
    sim.setOptions({ roleInList: 'string' });
    expect(dataOf(await get(sim, token, path, 'Contacts.External_Contact_ID'))[0]).toMatchObject({ Contact_Role: ROLE_ID });
  });

  it('shows lookups as { name, id } and money as numbers, and reads a lookup-based list', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const contacts = sim.dataset.contacts.filter((contact) => contact.Account_Name === sim.dataset.accounts[0]?.id);
    expect(contacts.length).toBeGreaterThan(0);
    const reply = await get(sim, token, '/crm/v8/Accounts/A-0001/Contacts?fields=External_Contact_ID,Account_Name', 'Accounts.External_Account_ID');
    expect(reply.status).toBe(200);
    expect(dataOf(reply)).toEqual(
      contacts.map((contact) => ({
        id: contact.id,
        External_Contact_ID: contact.External_Contact_ID,
        Account_Name: { name: sim.dataset.accounts[0]?.Account_Name, id: sim.dataset.accounts[0]?.id },
      })),
    );
    await crm(sim, '/crm/v8/Accounts/A-0001/Products', { token, external: bothExternal('Accounts', 'Products'), body: { data: [{ External_Product_ID: 'P-0002' }] } });
    const products = await get(sim, token, '/crm/v8/Accounts/A-0001/Products?fields=Unit_Price', 'Accounts.External_Account_ID');
    expect(dataOf(products)).toEqual([{ id: recordId(sim, 'Products', 'External_Product_ID', 'P-0002'), Unit_Price: Number(sim.dataset.products[1]?.Unit_Price) }]);
  });

  it('single-record form: the link with its entry field and the named external field, 204 when not linked', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3', Contact_Role: ROLE_ID }]);
    const external = 'Deals.External_Deal_ID,Contacts.External_Contact_ID';
    const reply = await get(sim, token, '/crm/v8/Contacts/extcontact3/Deals/extdeal3', external);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ data: [{ id: '111111000000094028', External_Deal_ID: 'extdeal3', Contact_Role: ROLE_ID }] });
    const withFields = await get(sim, token, '/crm/v8/Contacts/extcontact3/Deals/111111000000094028?fields=Deal_Name', 'Contacts.External_Contact_ID');
    expect(withFields.body).toEqual({ data: [{ id: '111111000000094028', Deal_Name: 'Zylker Renewal', Contact_Role: ROLE_ID }] });
    expect((await get(sim, token, '/crm/v8/Contacts/extcontact3/Deals/D-0001', external)).status).toBe(204);
    expect((await get(sim, token, '/crm/v8/Contacts/extcontact3/Deals/no-such-deal', external)).status).toBe(204);
  });

  it('needs a read scope on the module', async () => {
    const sim = await startTestSimulator({ scopes: ['ZohoCRM.modules.Contacts.UPDATE'] });
    const token = await mintToken(sim);
    const denied = await get(sim, token, '/crm/v8/Contacts/extcontact3/Deals?fields=Stage', PAGE_HEADER);
    expect(denied.status).toBe(401);
    expect(denied.body).toMatchObject({ code: 'OAUTH_SCOPE_MISMATCH' });
    const reader = await startTestSimulator({ scopes: ['ZohoCRM.modules.contacts.READ'] });
    expect((await get(reader, await mintToken(reader), '/crm/v8/Contacts/extcontact3/Deals?fields=Stage', PAGE_HEADER)).status).toBe(204);
  });
});
