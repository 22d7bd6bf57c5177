import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { closeSimulators, contactId, crm, dataOf, dealId, mintToken, PAGE_HEADER, pagePut, startTestSimulator } from './simulator-helpers.js';

afterEach(closeSimulators);

const del = (sim: RunningSimulator, token: string, path: string, external?: string) => crm(sim, path, { method: 'DELETE', token, external });
const removed = (id: string) => ({ code: 'SUCCESS', details: { id }, message: 'relation removed', status: 'success' });

describe('simulator: DELETE related records (delink)', () => {
  it('by external values when X-EXTERNAL names the related field: relation removed for each, in order', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    await pagePut(sim, token, [{ External_Deal_ID: 'D-0001' }, { External_Deal_ID: 'D-0002' }, { External_Deal_ID: 'D-0003' }], 'C-0001');
    const reply = await del(sim, token, '/crm/v8/Contacts/C-0001/Deals?ids=D-0003,D-0001', PAGE_HEADER);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ data: [removed(dealId(sim, 'D-0003')), removed(dealId(sim, 'D-0001'))] });
    expect(sim.associations().map((a) => a.dealId)).toEqual([dealId(sim, 'D-0002')]);
    expect(sim.counters).toMatchObject({ delinks: { success: 2, error: 0 }, associations: 1, links: 1, byMethod: { PUT: 1, DELETE: 1 } });
  });

  it('by record ids without X-EXTERNAL; an unknown id is INVALID_DATA, a record not linked "relation not found"', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const contact = contactId(sim, 'C-0002');
    const [linked, notLinked] = [dealId(sim, 'D-0004'), dealId(sim, 'D-0005')];
    await pagePut(sim, token, [{ External_Deal_ID: 'D-0004' }], 'C-0002');
    const reply = await del(sim, token, `/crm/v8/Contacts/${contact}/Deals?ids=${linked},111111000000000009,${notLinked}`);
    expect(reply.status).toBe(207);
    expect(reply.body).toEqual({
      data: [
        removed(linked),
        { code: 'INVALID_DATA', details: { id: '111111000000000009' }, message: 'the related id given seems to be invalid', status: 'error' },
        { code: 'INVALID_DATA', details: { id: notLinked }, message: 'relation not found', status: 'error' },
      ],
    });
    expect(sim.associations()).toEqual([]);
    const again = await del(sim, token, `/crm/v8/Contacts/${contact}/Deals?ids=${linked}`);
    expect(again.status).toBe(400);
    sim.setOptions({ delinkNotLinked: 'relation removed' });
    const idempotent = await del(sim, token, `/crm/v8/Contacts/${contact}/Deals?ids=${linked}`);
    expect(idempotent.status).toBe(200);
    expect(idempotent.body).toEqual({ data: [removed(linked)] });
  });

  it('an unknown external value names the external field that failed', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const reply = await del(sim, token, '/crm/v8/Contacts/extcontact3/Deals?ids=nope', PAGE_HEADER);
    expect(reply.body).toEqual({
      data: [{ code: 'INVALID_DATA', details: { api_name: 'External_Deal_ID' }, message: 'the related id given seems to be invalid', status: 'error' }],
    });
    const base = await del(sim, token, '/crm/v8/Contacts/nobody/Deals?ids=extdeal3', PAGE_HEADER);
    expect(base.body).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'External_Contact_ID' } });
  });

  it('refuses more than 100 ids, no ids, and ids that are not record ids when matching by id', async () => {
    const sim = await startTestSimulator({ deals: 120 });
    const token = await mintToken(sim);
    const ids = sim.dataset.deals.slice(0, 101).map((deal) => deal.External_Deal_ID);
    const tooMany = await del(sim, token, `/crm/v8/Contacts/extcontact3/Deals?ids=${ids.map(encodeURIComponent).join(',')}`, PAGE_HEADER);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({
      code: 'LIMIT_EXCEEDED',
      details: { limit: '100', param_name: 'ids' },
      message: 'Limit Exceeded, You cannot give more than 100 record ids',
      status: 'error',
    });
    const hundred = await del(sim, token, `/crm/v8/Contacts/extcontact3/Deals?ids=${ids.slice(0, 100).map(encodeURIComponent).join(',')}`, PAGE_HEADER);
    expect(dataOf(hundred)).toHaveLength(100);
    for (const query of ['', '?ids=', '?ids=,']) {
      const missing = await del(sim, token, `/crm/v8/Contacts/extcontact3/Deals${query}`, PAGE_HEADER);
      expect(missing.body, query).toEqual({ code: 'MANDATORY_NOT_FOUND', details: { param_name: 'ids' }, message: 'One of the expected parameter is missing', status: 'error' });
    }
    const notIds = await del(sim, token, '/crm/v8/Contacts/111111000000085009/Deals?ids=extdeal3');
    expect(notIds.body).toMatchObject({ code: 'UNABLE_TO_PARSE_DATA_TYPE', details: { param_name: 'ids' } });
  });

  it('single-record form: DELETE …/Deals/{external value} removes that one link', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3' }, { External_Deal_ID: 'D-0001' }]);
    const reply = await del(sim, token, '/crm/v8/Contacts/extcontact3/Deals/extdeal3', PAGE_HEADER);
    expect(reply.body).toEqual({ data: [removed('111111000000094028')] });
    expect(sim.associations().map((a) => a.dealId)).toEqual([dealId(sim, 'D-0001')]);
    const byId = await del(sim, token, `/crm/v8/Contacts/extcontact3/Deals/${dealId(sim, 'D-0001')}`, 'Contacts.External_Contact_ID');
    expect(byId.status).toBe(200);
    expect(sim.associations()).toEqual([]);
  });

  it('needs a delete scope on the module, and costs one credit like any call', async () => {
    const sim = await startTestSimulator({ scopes: ['ZohoCRM.modules.Contacts.READ', 'ZohoCRM.modules.Contacts.UPDATE'] });
    const token = await mintToken(sim);
    const denied = await del(sim, token, '/crm/v8/Contacts/extcontact3/Deals?ids=extdeal3', PAGE_HEADER);
    expect(denied.status).toBe(401);
    const allowed = await startTestSimulator({ scopes: ['ZohoCRM.modules.contacts.DELETE'], creditsPerTenEntries: 1 });
    const reply = await del(allowed, await mintToken(allowed), '/crm/v8/Contacts/extcontact3/Deals?ids=extdeal3', PAGE_HEADER);
    expect(reply.body).toMatchObject({ data: [{ message: 'relation not found' }] });
    expect(allowed.counters.creditsUsed).toBe(1);
  });
});
