import { afterEach, describe, expect, it } from 'vitest';
import { ODD_CONTACT_EXTERNAL_IDS, ODD_DEAL_EXTERNAL_IDS } from '../../src/simulator/index.js';
import { closeSimulators, contactId, dealId, ROLE_ID, startTestSimulator } from '../helpers/simulator.js';
import { crm, fieldError, mintToken, PAGE_HEADER, pagePut } from './simulator-helpers.js';

afterEach(closeSimulators);

const OTHER_ROLE = '111111000000026004';
const PAGE_RESPONSE = {
  data: [
    {
      code: 'SUCCESS',
      details: { External_Deal_ID: 'extdeal3', id: '111111000000094028' },
      message: 'relation added',
      status: 'success',
    },
  ],
};

describe('simulator: the API page samples', () => {
  it('answers sample 1 (external ids on both sides) exactly as the page shows', async () => {
    const sim = await startTestSimulator();
    const reply = await pagePut(sim, await mintToken(sim), [{ External_Deal_ID: 'extdeal3', Contact_Role: ROLE_ID }]);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(PAGE_RESPONSE);
    expect(sim.associations()).toEqual([{ contactId: '111111000000085009', dealId: '111111000000094028', contactRoleId: ROLE_ID }]);
  });

  it('answers sample 2 (base by record id, X-EXTERNAL: Deals.External_Deal_ID) exactly as the page shows', async () => {
    const sim = await startTestSimulator();
    const reply = await crm(sim, '/crm/v8/Contacts/111111000000085009/Deals', {
      token: await mintToken(sim),
      external: 'Deals.External_Deal_ID',
      body: { data: [{ Contact_Role: ROLE_ID, External_Deal_ID: 'extdeal3' }] },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(PAGE_RESPONSE);
  });

  it('answers a repeat of an existing pair "relation updated" by default, or "relation added" by option', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3' }]);
    const repeat = await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3' }]);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ data: [{ code: 'SUCCESS', message: 'relation updated', status: 'success' }] });
    sim.setOptions({ repeatMessage: 'relation added' });
    expect((await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3' }])).body).toMatchObject({ data: [{ message: 'relation added' }] });
    expect(sim.counters.associations).toBe(1);
  });
});

describe('simulator: X-EXTERNAL forms', () => {
  it('takes the header in either order', async () => {
    const sim = await startTestSimulator();
    const reply = await crm(sim, '/crm/v8/Contacts/C-0001/Deals', {
      token: await mintToken(sim),
      external: 'Deals.External_Deal_ID, Contacts.External_Contact_ID',
      body: { data: [{ External_Deal_ID: 'D-0002' }] },
    });
    expect(reply.status).toBe(200);
    expect(sim.associations()).toEqual([{ contactId: contactId(sim, 'C-0001'), dealId: dealId(sim, 'D-0002'), contactRoleId: null }]);
  });

  it('base by external value with entries by id: details carry only the id', async () => {
    const sim = await startTestSimulator();
    const deal = dealId(sim, 'D-0003');
    const reply = await crm(sim, '/crm/v8/Contacts/C-0001/Deals', {
      token: await mintToken(sim),
      external: 'Contacts.External_Contact_ID',
      body: { data: [{ id: deal }] },
    });
    expect(reply.body).toEqual({ data: [{ code: 'SUCCESS', details: { id: deal }, message: 'relation added', status: 'success' }] });
  });

  it('without X-EXTERNAL, the base and the entries are record ids; an unknown related id is INVALID_DATA', async () => {
    const sim = await startTestSimulator();
    const contact = contactId(sim, 'C-0004');
    const deal = dealId(sim, 'D-0004');
    const reply = await crm(sim, `/crm/v8/Contacts/${contact}/Deals`, {
      token: await mintToken(sim),
      body: { data: [{ id: deal, Contact_Role: ROLE_ID }, { id: '111111000000000009' }, { External_Deal_ID: 'D-0005' }] },
    });
    expect(reply.status).toBe(207);
    expect(reply.body).toEqual({
      data: [
        { code: 'SUCCESS', details: { id: deal }, message: 'relation added', status: 'success' },
        {
          code: 'INVALID_DATA',
          details: { id: '111111000000000009', json_path: '$.data[1].id' },
          message: 'the related id given seems to be invalid',
          status: 'error',
        },
        { code: 'MANDATORY_NOT_FOUND', details: { api_name: 'id', json_path: '$.data[2].id' }, message: 'required field not found', status: 'error' },
      ],
    });
  });

  it('works from the Deals side through its Contact_Roles list', async () => {
    const sim = await startTestSimulator();
    const reply = await crm(sim, '/crm/v8/Deals/extdeal3/Contact_Roles', {
      token: await mintToken(sim),
      external: 'Deals.External_Deal_ID,Contacts.External_Contact_ID',
      body: { data: [{ External_Contact_ID: 'extcontact3', Contact_Role: ROLE_ID }] },
    });
    expect(reply.body).toEqual({
      data: [{ code: 'SUCCESS', details: { External_Contact_ID: 'extcontact3', id: '111111000000085009' }, message: 'relation added', status: 'success' }],
    });
    expect(sim.associations()).toEqual([{ contactId: '111111000000085009', dealId: '111111000000094028', contactRoleId: ROLE_ID }]);
  });
});

describe('simulator: per-entry outcomes and the HTTP status', () => {
  const mixed = [{ External_Deal_ID: 'D-0001' }, { External_Deal_ID: 'D-9999' }];
  const allBad = [{ id: '111111000000094028' }, { External_Deal_ID: 'D-9999', Contact_Role: ROLE_ID }];

  it('MANDATORY_NOT_FOUND when the header names the related external field and the entry lacks it', async () => {
    const sim = await startTestSimulator();
    const reply = await pagePut(sim, await mintToken(sim), [{ id: '111111000000094028' }]);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      data: [
        {
          code: 'MANDATORY_NOT_FOUND',
          details: { api_name: 'External_Deal_ID', json_path: '$.data[0].External_Deal_ID' },
          message: 'required field not found',
          status: 'error',
        },
      ],
    });
  });

  it('207 for a mixed batch, applying the good entries; 200 with mixedStatus 200', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const reply = await pagePut(sim, token, mixed);
    expect(reply.status).toBe(207);
    expect(reply.body).toEqual({
      data: [
        { code: 'SUCCESS', details: { External_Deal_ID: 'D-0001', id: dealId(sim, 'D-0001') }, message: 'relation added', status: 'success' },
        fieldError('INVALID_DATA', 'External_Deal_ID', 1, 'the related id given seems to be invalid'),
      ],
    });
    expect(sim.associations()).toHaveLength(1);
    sim.setOptions({ mixedStatus: 200 });
    expect((await pagePut(sim, token, mixed)).status).toBe(200);
    expect(sim.counters.entries).toEqual({ success: 2, error: 2 });
  });

  it('400 with the data array when every entry fails; 200 with allFailedStatus 200', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const reply = await pagePut(sim, token, allBad);
    expect(reply.status).toBe(400);
    expect((reply.body as { data: { code: string }[] }).data.map((entry) => entry.code)).toEqual(['MANDATORY_NOT_FOUND', 'INVALID_DATA']);
    sim.setOptions({ allFailedStatus: 200 });
    expect((await pagePut(sim, token, allBad)).status).toBe(200);
    expect(sim.associations()).toEqual([]);
  });

  it('INVALID_DATA for a Contact_Role that is not a role id (a name, a number, empty), naming the expected type', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    for (const role of ['Decision Maker', 111111000000026000, '']) {
      const reply = await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3', Contact_Role: role }]);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({
        data: [
          {
            code: 'INVALID_DATA',
            details: { expected_data_type: 'bigint', api_name: 'Contact_Role', json_path: '$.data[0].Contact_Role' },
            message: 'invalid data',
            status: 'error',
          },
        ],
      });
    }
    expect(sim.associations()).toEqual([]);
  });

  it('INVALID_DATA { api_name, json_path } for a Contact_Role id that is no Contact Role', async () => {
    const sim = await startTestSimulator();
    const reply = await pagePut(sim, await mintToken(sim), [{ External_Deal_ID: 'D-0001' }, { External_Deal_ID: 'extdeal3', Contact_Role: '111111000000099999' }]);
    expect(reply.status).toBe(207);
    expect((reply.body as { data: unknown[] }).data[1]).toEqual(fieldError('INVALID_DATA', 'Contact_Role', 1, 'invalid data'));
    expect(sim.associations()).toHaveLength(1);
  });

  it('keeps the role when an update omits Contact_Role, clears it on null', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3', Contact_Role: ROLE_ID }]);
    await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3' }]);
    expect(sim.associations()[0]?.contactRoleId).toBe(ROLE_ID);
    await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3', Contact_Role: null }]);
    expect(sim.associations()[0]?.contactRoleId).toBeNull();
  });

  it('the same related record twice in one call: last wins by default, DUPLICATE_DATA with duplicateInBatch "error"', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const twice = [
      { External_Deal_ID: 'extdeal3', Contact_Role: ROLE_ID },
      { External_Deal_ID: 'extdeal3', Contact_Role: OTHER_ROLE },
    ];
    const lastWins = await pagePut(sim, token, twice);
    expect(lastWins.status).toBe(200);
    expect((lastWins.body as { data: { message: string }[] }).data.map((entry) => entry.message)).toEqual(['relation added', 'relation updated']);
    expect(sim.associations()).toEqual([{ contactId: '111111000000085009', dealId: '111111000000094028', contactRoleId: OTHER_ROLE }]);

    sim.reset();
    sim.setOptions({ duplicateInBatch: 'error' });
    const refused = await pagePut(sim, token, twice);
    expect(refused.status).toBe(207);
    expect((refused.body as { data: unknown[] }).data[1]).toEqual(fieldError('DUPLICATE_DATA', 'External_Deal_ID', 1, 'duplicate data'));
    expect(sim.associations()[0]?.contactRoleId).toBe(ROLE_ID);
  });
});

describe('simulator: external ids that need percent-encoding', () => {
  it('reaches the right records when each path segment is encodeURIComponent-ed', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    for (const [index, contact] of ODD_CONTACT_EXTERNAL_IDS.entries()) {
      const deal = ODD_DEAL_EXTERNAL_IDS[index] ?? '';
      const reply = await pagePut(sim, token, [{ External_Deal_ID: deal }], contact);
      expect(reply.status, contact).toBe(200);
      expect(reply.body).toMatchObject({ data: [{ details: { External_Deal_ID: deal, id: dealId(sim, deal) } }] });
    }
    const expected = ODD_CONTACT_EXTERNAL_IDS.map((contact, index) => ({
      contactId: contactId(sim, contact),
      dealId: dealId(sim, ODD_DEAL_EXTERNAL_IDS[index] ?? ''),
      contactRoleId: null,
    }));
    expect(sim.associations()).toEqual(expected);
  });

  it('does not read "+" as a space in a path, nor match external values case-insensitively', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    for (const path of ['/crm/v8/Contacts/C%2Fodd+1/Deals', '/crm/v8/Contacts/c-0001/Deals', '/crm/v8/Contacts/C 5/Deals'.replace(' ', '%20')]) {
      const reply = await crm(sim, path, { token, external: PAGE_HEADER, body: { data: [{ External_Deal_ID: 'D-0001' }] } });
      expect(reply.status, path).toBe(400);
      expect(reply.body).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'External_Contact_ID' } });
    }
  });
});
