import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import { closeSimulators, ROLE_ID, startTestSimulator } from '../helpers/simulator.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { crm, mintToken, pagePut } from './simulator-helpers.js';

afterEach(closeSimulators);

async function getJson(url: string, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<{ status: number; body: unknown }> {
  const reply = await request(url, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: reply.statusCode, body: await reply.body.json() };
}

describe('simulator: dataset', () => {
  const tmp = useTempDir('relsync-sim-');

  it('is the same for the same seed and differs for another seed', async () => {
    const a = await startTestSimulator({ seed: 1, contacts: 50, deals: 40 });
    const b = await startTestSimulator({ seed: 1, contacts: 50, deals: 40 });
    const c = await startTestSimulator({ seed: 2, contacts: 50, deals: 40 });
    expect(b.dataset).toEqual(a.dataset);
    expect(c.dataset.contacts.map((x) => x.id)).not.toEqual(a.dataset.contacts.map((x) => x.id));
  });

  it('holds the page samples, the default roles, the odd ids and C-0001…/D-0001… with unique 18-digit ids', async () => {
    const sim = await startTestSimulator({ contacts: 30, deals: 25 });
    const { contacts, deals, contactRoles } = sim.dataset;
    expect(contacts).toContainEqual(expect.objectContaining({ id: '111111000000085009', External_Contact_ID: 'extcontact3' }));
    expect(deals).toContainEqual(expect.objectContaining({ id: '111111000000094028', External_Deal_ID: 'extdeal3' }));
    expect(contactRoles).toContainEqual(expect.objectContaining({ id: ROLE_ID, name: 'Decision Maker' }));
    expect(contacts.map((x) => x.External_Contact_ID)).toEqual(expect.arrayContaining(['C/odd 1', 'C#2?x', 'C%3', 'Ünïcødé-4', 'C-0001', 'C-0030']));
    expect(deals.map((x) => x.External_Deal_ID)).toEqual(expect.arrayContaining(['D/odd 1', 'D-0001', 'D-0025']));
    expect(contacts.filter((x) => /^[CD]-\d{4}$/.test(x.External_Contact_ID))).toHaveLength(30);
    const ids = [...contacts, ...deals, ...contactRoles].map((x) => x.id);
    expect(ids.every((id) => /^\d{18}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('holds recordsPerModule records of every other module, two external values each, deterministic for a seed', async () => {
    const sim = await startTestSimulator({ seed: 7, recordsPerModule: 40 });
    const again = await startTestSimulator({ seed: 7, recordsPerModule: 40 });
    const keys = ['campaigns', 'leads', 'products', 'priceBooks', 'accounts', 'appointments', 'services'] as const;
    const prefixes = ['CMP', 'L', 'P', 'PB', 'A', 'AP', 'S'];
    const fields = ['External_Campaign_ID', 'External_Lead_ID', 'External_Product_ID', 'External_Price_Book_ID', 'External_Account_ID', 'External_Appointment_ID', 'External_Service_ID'];
    keys.forEach((key, index) => {
      const records = sim.dataset[key];
      expect(records, key).toHaveLength(40);
      expect(records[0]?.[fields[index] ?? '']).toBe(`${prefixes[index]}-0001`);
      expect(Object.values(records[39] ?? {})).toContain(`legacy-${prefixes[index]}-0040`);
      expect(records.every((record) => /^\d{18}$/.test(record.id))).toBe(true);
    });
    expect(again.dataset).toEqual(sim.dataset);
    const ids = keys.flatMap((key) => sim.dataset[key].map((record) => record.id));
    expect(new Set(ids).size).toBe(ids.length);
    // Contacts and Deals are what they were before the other modules existed: same ids for a seed.
    const contactsOnly = await startTestSimulator({ seed: 7, recordsPerModule: 0 });
    expect(contactsOnly.dataset.contacts.map((c) => c.id)).toEqual(sim.dataset.contacts.map((c) => c.id));
    expect(sim.dataset.contacts.filter((c) => c.Account_Name !== undefined).length).toBeGreaterThan(0);
    expect(sim.dataset.contacts.find((c) => c.External_Contact_ID === 'C-0001')).toMatchObject({ Billing_Contact_ID: 'bill-C-0001' });
  });

  it('loads a dataset file with links of other relations, and refuses links that do not fit', async () => {
    {
      const file = join(tmp.path, 'links-dataset.json');
      const base = {
        contacts: [],
        deals: [],
        campaigns: [{ id: '3001', External_Campaign_ID: 'K1' }],
        leads: [{ id: '4001', External_Lead_ID: 'L1' }],
        products: [{ id: '5001', External_Product_ID: 'P1' }],
        priceBooks: [{ id: '6001', External_Price_Book_ID: 'B1' }],
      };
      await writeFile(file, JSON.stringify({ ...base, links: [{ relation: 'Campaigns-Leads', ids: ['3001', '4001'], value: 'Active' }] }));
      const sim = await startTestSimulator({ datasetFile: file });
      expect(sim.links()).toEqual([{ relation: 'Campaigns-Leads', ids: ['3001', '4001'], value: 'Active' }]);
      expect(sim.counters).toMatchObject({ links: 1, associations: 0 });
      const reply = await crm(sim, '/crm/v8/Leads/L1/Campaigns?fields=External_Campaign_ID', { method: 'GET', token: await mintToken(sim), external: 'Leads.External_Lead_ID' });
      expect(reply.body).toMatchObject({ data: [{ id: '3001', External_Campaign_ID: 'K1', Member_Status: 'Active' }] });

      const refusals: [unknown, string][] = [
        [{ relation: 'Campaigns-Leads', ids: ['3001', '4001'], value: 'Nope' }, 'links[0].value: "Nope" is not a valid Member_Status'],
        [{ relation: 'Products-Price_Books', ids: ['5001', '6001'], value: '10' }, 'links[0].value: "10" is not a valid list_price'],
        [{ relation: 'Products-Leads', ids: ['5001', '4002'], value: null }, 'links[0].ids[1]: no Leads record 4002'],
      ];
      for (const [link, message] of refusals) {
        await writeFile(file, JSON.stringify({ ...base, links: [link] }));
        await expect(startSimulator({ datasetFile: file })).rejects.toThrow(`${file}: ${message}`);
      }
    }
  });

  it('loads a dataset file, initial associations included', async () => {
    const file = join(tmp.path, 'dataset.json');
    await writeFile(
      file,
      JSON.stringify({
        contacts: [{ id: '1001', External_Contact_ID: 'K1' }],
        deals: [{ id: '2001', External_Deal_ID: 'E1' }, { id: '2002', External_Deal_ID: 'E2' }],
        associations: [{ contactId: '1001', dealId: '2001', contactRoleId: ROLE_ID }],
      }),
    );
    const sim = await startTestSimulator({ datasetFile: file });
    expect(sim.dataset.seed).toBeNull();
    expect(sim.counters.associations).toBe(1);
    const reply = await pagePut(sim, await mintToken(sim), [{ External_Deal_ID: 'E2' }], 'K1');
    expect(reply.status).toBe(200);
    expect(sim.associations().map((a) => a.dealId)).toEqual(['2001', '2002']);

    await writeFile(file, JSON.stringify({ contacts: [{ id: 'x', External_Contact_ID: 'K1' }], deals: [] }));
    await expect(startSimulator({ datasetFile: file })).rejects.toThrow(`${file}: contacts.0.id: expected a record id of 1-19 digits`);
    await writeFile(file, JSON.stringify({ contacts: [], deals: [], associations: [{ contactId: '1', dealId: '2', contactRoleId: null }] }));
    await expect(startSimulator({ datasetFile: file })).rejects.toThrow(`${file}: associations[0].contactId: no contact 1`);
  });
});

describe('simulator: /__sim control routes', () => {
  it('exports the dataset, associations, counters and options, and resets', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3', Contact_Role: ROLE_ID }]);

    expect((await getJson(`${sim.url}/__sim/dataset`)).body).toEqual(JSON.parse(JSON.stringify(sim.dataset)));
    expect((await getJson(`${sim.url}/__sim/associations`)).body).toEqual({ associations: sim.associations() });
    expect((await getJson(`${sim.url}/__sim/links`)).body).toEqual({ links: [{ relation: 'Contacts-Deals', ids: ['111111000000085009', '111111000000094028'], value: ROLE_ID }] });
    expect((await getJson(`${sim.url}/__sim/counters`)).body).toMatchObject({ calls: 1, creditsUsed: 1, associations: 1, tokensMinted: 1 });
    expect((await getJson(`${sim.url}/__sim/options`)).body).toMatchObject({ latencyMs: 0, concurrency: 10, refreshToken: 'simulator-refresh-token' });

    expect((await getJson(`${sim.url}/__sim/reset`, 'POST')).status).toBe(200);
    expect(sim.associations()).toEqual([]);
    expect(sim.counters).toMatchObject({ calls: 0, creditsUsed: 0, tokensMinted: 0, associations: 0, links: 0 });
    expect((await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3' }])).status).toBe(200);
  });

  it('takes faults and option patches over HTTP, refusing bad ones with the reason', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    expect((await getJson(`${sim.url}/__sim/faults`, 'POST', { faults: ['500'] })).status).toBe(200);
    expect((await pagePut(sim, token, [{ External_Deal_ID: 'extdeal3' }])).status).toBe(500);

    expect((await getJson(`${sim.url}/__sim/options`, 'POST', { mixedStatus: 200 })).status).toBe(200);
    expect(sim.options.mixedStatus).toBe(200);
    const bad = await getJson(`${sim.url}/__sim/options`, 'POST', { failRate: 2 });
    expect(bad).toEqual({ status: 400, body: { code: 'INVALID_DATA', details: {}, message: 'failRate: expected a probability 0-1, got 2', status: 'error' } });
    const fixed = await getJson(`${sim.url}/__sim/options`, 'POST', { port: 1 });
    expect(fixed.body).toMatchObject({ message: 'port: expected an option that can change while running, got one fixed at start' });
  });
});
