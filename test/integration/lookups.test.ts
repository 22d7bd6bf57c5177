/**
 * Relation values by name, over real HTTP against the simulator and a real Redis: a role by name, by
 * id and by a wrong name; the roles read once per import however many workers run it; what happens
 * when the table cannot be read. The simulator's counters and links are the oracle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LookupCache } from '../../src/ledger/lookup-cache.js';
import { lookupLoader } from '../../src/usecases/lookup-tables.js';
import { MemoryTokenProvider, OAuthClient } from '../../src/zoho/oauth-client.js';
import { ZohoReader } from '../../src/zoho/zoho-reader.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { testPrefix, useRedis } from '../helpers/redis.js';
import { closeSimulators, ROLE_ID, startTestSimulator } from '../helpers/simulator.js';

const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role'];
const PURCHASING = '111111000000026004';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await closeSimulators();
});

const contact = (harness: Harness, n: number): { ext: string; id: string } => {
  const c = harness.sim.dataset.contacts.filter((x) => /^C-\d+$/.test(x.External_Contact_ID))[n]!;
  return { ext: c.External_Contact_ID, id: c.id };
};
const deal = (harness: Harness, n: number): { ext: string; id: string } => {
  const d = harness.sim.dataset.deals.filter((x) => /^D-\d+$/.test(x.External_Deal_ID))[n]!;
  return { ext: d.External_Deal_ID, id: d.id };
};

describe('contact roles by name (contacts-deals)', () => {
  it('sends a role given by name or by id as its id, and fails a wrong name LOOKUP_FAILED before any call, with the closest names', async () => {
    h = await startHarness();
    const [c, d0, d1, d2] = [contact(h, 0), deal(h, 0), deal(h, 1), deal(h, 2)];
    const file = await h.writeCsv('roles.csv', [HEADER, [c.ext, d0.ext, '  purchasing '], [c.ext, d1.ext, ROLE_ID], [c.ext, d2.ext, 'Decison Maker']]);
    const record = await h.waitDone(await h.importFile(file));

    const report = await h.readReport(record.reportPath!);
    expect(report.map((line) => [line._status, line._code])).toEqual([['success', 'SUCCESS'], ['success', 'SUCCESS'], ['error', 'LOOKUP_FAILED']]);
    expect(report[2]!._message).toBe("contact_role: 'Decison Maker' is not a known contact role; closest: 'Decision Maker', 'Evaluator', 'Technical Buyer'");
    expect(report[0]!.contact_role).toBe('  purchasing '); // the report keeps the cell as written
    const links = h.sim.associations().map((a) => [a.contactId, a.dealId, a.contactRoleId]);
    expect(links).toEqual([[c.id, d0.id, PURCHASING], [c.id, d1.id, ROLE_ID]]);
    // The wrong name never reached Zoho: two entries were sent, both answered SUCCESS.
    expect(h.sim.counters.entries).toEqual({ success: 2, error: 0 });
    expect(h.sim.counters.metadataReads.contactRoles).toBe(1);
  });

  it('reads the roles once per import however many workers run it, and again for the next import', async () => {
    h = await startHarness();
    await h.startWorkerRuntime();
    await h.startWorkerRuntime();
    const roles = h.sim.dataset.contactRoles;
    const rows = Array.from({ length: 300 }, (_, i) => [contact(h!, i % 60).ext, deal(h!, i).ext, roles[i % roles.length]!.name.toUpperCase()]);
    const file = await h.writeCsv('many.csv', [HEADER, ...rows]);
    const first = await h.waitDone(await h.importFile(file));
    expect(first).toMatchObject({ state: 'done', success: 300, error: 0, plannedCalls: 60 });
    expect(h.sim.counters.metadataReads.contactRoles).toBe(1);
    const second = await h.waitDone(await h.importFile(file));
    expect(second).toMatchObject({ state: 'done', success: 300 });
    expect(h.sim.counters.metadataReads.contactRoles).toBe(2);
  });

  it('reads no table for a file of ids, so it needs no read scope', async () => {
    h = await startHarness({ sim: { scopes: ['ZohoCRM.modules.Contacts.UPDATE', 'ZohoCRM.modules.Deals.UPDATE'] } });
    const file = await h.writeCsv('ids.csv', [HEADER, [contact(h, 0).ext, deal(h, 0).ext, ROLE_ID], [contact(h, 0).ext, deal(h, 1).ext, '']]);
    expect(await h.waitDone(await h.importFile(file))).toMatchObject({ state: 'done', success: 2 });
    expect(h.sim.counters.metadataReads.contactRoles).toBe(0);
  });

  it('fails the import with one line naming the scope when a name needs the table and Zoho refuses to list it; nothing is sent', async () => {
    h = await startHarness({ sim: { scopes: ['ZohoCRM.modules.Contacts.UPDATE', 'ZohoCRM.modules.Deals.UPDATE'] } });
    const file = await h.writeCsv('names.csv', [HEADER, [contact(h, 0).ext, deal(h, 0).ext, 'Purchasing']]);
    const record = await h.waitDone(await h.importFile(file));
    expect(record.state).toBe('failed');
    expect(record.failedReason).toBe(
      'lookup contact-roles: GET /crm/v8/Contacts/roles was refused (OAUTH_SCOPE_MISMATCH): add the scope ZohoCRM.modules.contacts.READ (or ZohoCRM.modules.ALL) to the refresh token (docs/operating.md#self-client); or write ids instead of names (they need no table)',
    );
    expect(h.sim.counters.byMethod.PUT ?? 0).toBe(0);
  });

  it('tries a roles read that met server errors again, and the import ends done', async () => {
    h = await startHarness();
    h.sim.enqueueFaults(['500', 'reset']);
    const file = await h.writeCsv('flaky.csv', [HEADER, [contact(h, 0).ext, deal(h, 0).ext, 'Evaluator']]);
    expect(await h.waitDone(await h.importFile(file))).toMatchObject({ state: 'done', success: 1, retries: 0 });
    expect(h.sim.counters.byMethod.GET).toBe(3);
    expect(h.sim.associations()[0]?.contactRoleId).toBe('111111000000026006');
  });
});

describe('lookup cache', () => {
  const redis = useRedis();

  it('lets workers that need the same table for one import read it from Zoho once, and the next import afresh', async () => {
    const sim = await startTestSimulator();
    const prefix = testPrefix();
    const worker = () => {
      const oauth = new OAuthClient({ accountsUrl: sim.url, clientId: 'c', clientSecret: 's', refreshToken: sim.options.refreshToken });
      const reader = new ZohoReader({ tokens: new MemoryTokenProvider({ mint: () => oauth.mint() }) });
      return { reader, load: lookupLoader({ reader, cache: new LookupCache(redis.client(), prefix) }) };
    };
    const workers = Array.from({ length: 5 }, worker);
    try {
      const tables = await Promise.all(workers.map((w) => w.load('imp-1', 'contact-roles')));
      expect(sim.counters.metadataReads.contactRoles).toBe(1);
      for (const table of tables) expect(table.resolve('decision maker')).toEqual({ ok: true, value: ROLE_ID });
      await Promise.all(workers.map((w) => w.load('imp-2', 'contact-roles')));
      expect(sim.counters.metadataReads.contactRoles).toBe(2);
    } finally {
      await Promise.all(workers.map((w) => w.reader.close()));
    }
  });
});
