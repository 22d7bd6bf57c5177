import { afterEach, describe, expect, it } from 'vitest';
import { closeSimulators, crm, crmGetOk, expectScopeMismatch, mintToken, ROLE_ID, startTestSimulator } from './simulator-helpers.js';

afterEach(closeSimulators);

describe('simulator: GET /Contacts/roles', () => {
  it('lists the contact roles in sequence order, Decision Maker with the API page sample id first', async () => {
    const sim = await startTestSimulator();
    const { contact_roles: roles } = await crmGetOk<{ contact_roles: { id: string; name: string; sequence_number: number }[] }>(sim, '/crm/v8/Contacts/roles');
    expect(roles[0]).toEqual({ id: ROLE_ID, name: 'Decision Maker', sequence_number: 1 });
    expect(roles.map((role) => role.sequence_number)).toEqual(roles.map((_, index) => index + 1));
    expect(roles).toEqual(sim.dataset.contactRoles);
    expect(sim.counters.creditsUsed).toBe(1);
    expect(sim.counters.metadataReads).toEqual({ fields: 0, relatedLists: 0, contactRoles: 1 });
    await crm(sim, '/crm/v8/settings/fields?module=Campaigns', { method: 'GET', token: await mintToken(sim) });
    expect(sim.counters.metadataReads).toEqual({ fields: 1, relatedLists: 0, contactRoles: 1 });
  });

  it('reads one role by id, 204 for an unknown id', async () => {
    const sim = await startTestSimulator();
    const token = await mintToken(sim);
    const one = await crm(sim, `/crm/v8/Contacts/roles/${ROLE_ID}`, { method: 'GET', token });
    expect(one.body).toEqual({ contact_roles: [{ id: ROLE_ID, name: 'Decision Maker', sequence_number: 1 }] });
    expect((await crm(sim, '/crm/v8/Contacts/roles/111111000000099999', { method: 'GET', token })).status).toBe(204);
  });

  it("needs the Contacts module's read scope and GET", async () => {
    const sim = await startTestSimulator({ scopes: ['ZohoCRM.modules.Deals.ALL'] });
    await expectScopeMismatch(sim, '/crm/v8/Contacts/roles');
    const reader = await startTestSimulator({ scopes: ['ZohoCRM.modules.contacts.READ'] });
    const token = await mintToken(reader);
    expect((await crm(reader, '/crm/v8/Contacts/roles', { method: 'GET', token })).status).toBe(200);
    expect((await crm(reader, '/crm/v8/Contacts/roles', { method: 'POST', token, body: { contact_roles: [] } })).body).toMatchObject({ code: 'INVALID_REQUEST_METHOD' });
  });
});
