/**
 * ZohoReader against the simulator over real HTTP: the reads of lookup tables, with the shared
 * token's rules (one refresh on INVALID_TOKEN) and a few tries on network and server errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { MemoryTokenProvider, OAuthClient } from '../../src/zoho/oauth-client.js';
import { ZohoReader } from '../../src/zoho/zoho-reader.js';
import { closeSimulators, ROLE_ID, startTestSimulator } from '../helpers/simulator.js';

const readers: ZohoReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.close()));
  await closeSimulators();
});

function readerFor(sim: RunningSimulator, tries?: number): ZohoReader {
  const oauth = new OAuthClient({ accountsUrl: sim.url, clientId: 'c', clientSecret: 's', refreshToken: sim.options.refreshToken });
  const reader = new ZohoReader({ tokens: new MemoryTokenProvider({ mint: () => oauth.mint() }), tries, sleep: async () => undefined });
  readers.push(reader);
  return reader;
}

describe('ZohoReader', () => {
  it('reads the contact roles and a picklist', async () => {
    const sim = await startTestSimulator();
    const reader = readerFor(sim);
    const roles = await reader.contactRoles();
    expect(roles.ok && roles.value[0]).toEqual({ id: ROLE_ID, name: 'Decision Maker' });
    const fields = await reader.moduleFields('Campaigns');
    expect(fields.ok && fields.value.find((field) => field.api_name === 'Member_Status')?.pick_list_values).toContainEqual({ display_value: 'Active', actual_value: 'Active' });
  });

  it('tries a read again after a server error or a reset, three tries in all', async () => {
    const sim = await startTestSimulator();
    sim.enqueueFaults(['500', 'reset']);
    expect(await readerFor(sim).contactRoles()).toMatchObject({ ok: true });
    expect(sim.counters.byMethod.GET).toBe(3);
    sim.enqueueFaults(['500', '503', '500']);
    expect(await readerFor(sim).contactRoles()).toMatchObject({ ok: false, httpStatus: 500, code: 'INTERNAL_ERROR' });
  });

  it('refreshes an expired token once without counting a try, and answers a 429 or a scope error as Zoho gave it', async () => {
    const sim = await startTestSimulator();
    const reader = readerFor(sim, 1);
    await reader.contactRoles();
    sim.expireTokens();
    expect(await reader.contactRoles()).toMatchObject({ ok: true });
    expect(sim.counters.tokensMinted).toBe(2);
    sim.enqueueFaults(['429']);
    expect(await readerFor(sim).contactRoles()).toMatchObject({ ok: false, httpStatus: 429, code: 'TOO_MANY_REQUESTS' });
    const narrow = await startTestSimulator({ scopes: ['ZohoCRM.modules.ALL'] });
    expect(await readerFor(narrow).moduleFields('Campaigns')).toMatchObject({ ok: false, code: 'OAUTH_SCOPE_MISMATCH' });
    expect(narrow.counters.byMethod.GET).toBe(1);
  });
});
