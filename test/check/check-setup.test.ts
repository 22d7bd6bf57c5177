/**
 * `relsync check` against the simulator over real HTTP: its accounts server mints the token (shared
 * with the workers through the run's Redis, under a fresh prefix per test), its `settings/fields` and
 * `settings/related_lists` answer the metadata reads. Lines are asserted exactly: they are what a user
 * reads to fix their setup.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCheck } from '../../src/cli/commands/check-command.js';
import { loadConfig } from '../../src/config/config.js';
import { freePort } from '../../src/dev/private-redis.js';
import type { RunningSimulator, SimulatorOptions } from '../../src/simulator/index.js';
import { testPrefix } from '../helpers/redis.js';
import { closeSimulators, startTestSimulator } from '../helpers/simulator.js';
import { useTempDir } from '../helpers/temp-dir.js';

const SECRET = 'check-client-secret-value';
const REFRESH_PREFIX = 'simulator-refresh-token';

const tmp = useTempDir('relsync-check-');
afterEach(closeSimulators);

const simulator = (options: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> => startTestSimulator({ contacts: 5, deals: 5, ...options });

function envFor(sim: RunningSimulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: inject('redisUrl'), RELSYNC_PREFIX: testPrefix('t-check'),
    ZOHO_ACCOUNTS_URL: sim.url, ZOHO_CLIENT_ID: '1000.CHECKCLIENT', ZOHO_CLIENT_SECRET: SECRET, ZOHO_REFRESH_TOKEN: sim.options.refreshToken, ...extra,
  };
}

async function check(env: Record<string, string>, profile = 'contacts-deals', file?: string): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough().on('data', (chunk: Buffer) => out.push(chunk.toString()));
  const stderr = new PassThrough().on('data', (chunk: Buffer) => err.push(chunk.toString()));
  const code = await runCheck({ stdout, stderr, cwd: tmp.path, isTTY: false }, loadConfig(env, { cwd: tmp.path }), { profile, file });
  const lines = (chunks: string[]): string[] => chunks.join('').split('\n').filter((line) => line !== '');
  return { code, stdout: lines(out), stderr: lines(err) };
}

interface ProfileSide { column: string; externalField?: string; module?: string }

/** A profile file's content: its module and related list, each side's column and External field, and any more keys. */
function profileOf(module: string, relatedList: string, base: ProfileSide, related: ProfileSide, more: object = {}): object {
  return { module, relatedList, base, related, ...more };
}

async function profileFile(name: string, profile: object): Promise<string> {
  await writeFile(join(tmp.path, name), JSON.stringify(profile));
  return name;
}


describe('relsync check', () => {
  it('passes the built-in profile, one ✓ line per check', async () => {
    const sim = await simulator();
    const result = await check(envFor(sim));
    expect(result.stderr).toEqual([]);
    expect(result.stdout).toEqual([
      `✓ ZOHO_REFRESH_TOKEN: ${sim.url} issued an access token; API domain ${sim.url}`,
      '✓ profile contacts-deals: module Contacts exists (6 fields)',
      '✓ profile contacts-deals: related list Deals exists on Contacts and holds Deals records',
      '✓ profile contacts-deals: base.externalField External_Contact_ID is an External field of Contacts',
      '✓ profile contacts-deals: related.module Deals exists (4 fields)',
      '✓ profile contacts-deals: related.externalField External_Deal_ID is an External field of Deals',
      '✓ profile contacts-deals: the token may write related list Deals on Contacts (a write of no entries was refused as empty; nothing changed)',
      '✓ profile contacts-deals: fields.Contact_Role is a field of related list Deals on Contacts',
      '✓ profile contacts-deals: fields.Contact_Role: lookup contact-roles read 10 value(s) from GET /crm/v8/Contacts/roles',
    ]);
    expect(result.code).toBe(0);
    // The write probe changed nothing.
    expect(sim.associations()).toEqual([]);
    // One mint, four metadata reads and the roles.
    expect(sim.counters.tokensMinted).toBe(1);
    expect(sim.counters.metadataReads).toEqual({ fields: 2, relatedLists: 1, contactRoles: 1 });
  });

  it('says in one line that the refresh token was refused, and never prints a secret', async () => {
    const sim = await simulator();
    const wrongToken = `${REFRESH_PREFIX}-revoked-1234`;
    const result = await check(envFor(sim, { ZOHO_REFRESH_TOKEN: wrongToken }));
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toEqual([
      `✗ ZOHO_REFRESH_TOKEN: the accounts server answered invalid_code — generate a new refresh token for accounts server ${sim.url} (see README: Self Client)`,
    ]);
    expect(result.code).toBe(1);
    const all = [...result.stdout, ...result.stderr].join('\n');
    expect(all).not.toContain(wrongToken);
    expect(all).not.toContain(SECRET);
  });

  it('names the variable when the client id or secret is refused', async () => {
    const sim = await simulator({ clientId: '1000.OTHER', clientSecret: 'other-secret-value' });
    const result = await check(envFor(sim));
    expect(result.stderr).toEqual([
      `✗ ZOHO_CLIENT_ID: the accounts server answered invalid_client — use the client id of a Self Client made for accounts server ${sim.url}, or set ZOHO_DC to the data centre where it was made (see README: Self Client)`,
    ]);
    expect(result.code).toBe(1);
  });

  it('lists every missing credential without calling Zoho', async () => {
    const result = await check({ ZOHO_DC: 'eu' });
    expect(result.stderr).toEqual([
      "✗ ZOHO_CLIENT_ID: not set — create a Self Client in the Zoho API console for data centre 'eu' and copy its client id (see README: Self Client)",
      "✗ ZOHO_CLIENT_SECRET: not set — copy the Self Client's client secret from the Zoho API console (see README: Self Client)",
      "✗ ZOHO_REFRESH_TOKEN: not set — generate a refresh token for data centre 'eu' (see README: Self Client)",
    ]);
    expect(result.code).toBe(1);
  });

  it('reports a wrong related list and wrong external fields, each with its fix', async () => {
    const sim = await simulator();
    const name = await profileFile('wrong-names.json', profileOf('Contacts', 'Deal', { column: 'contact', externalField: 'Email' }, { column: 'deal', externalField: 'External_Deal', module: 'Deals' }));
    const result = await check(envFor(sim), name);
    expect(result.stdout).toEqual([
      `✓ ZOHO_REFRESH_TOKEN: ${sim.url} issued an access token; API domain ${sim.url}`,
      '✓ profile wrong-names.json: module Contacts exists (6 fields)',
      '✓ profile wrong-names.json: related.module Deals exists (4 fields)',
    ]);
    expect(result.stderr).toEqual([
      '✗ profile wrong-names.json: related list \'Deal\' not found on Contacts; available: Deals, Campaigns, Products — set "relatedList" to one of these API names',
      '✗ profile wrong-names.json: base.externalField \'Email\' is a field of Contacts but not marked External — tick "External field" on it in Setup → Modules and Fields, or use another; External fields of Contacts: External_Contact_ID, Billing_Contact_ID',
      '✗ profile wrong-names.json: related.externalField \'External_Deal\' is not a field of Deals — set "related.externalField" to the field\'s API name; External fields of Deals: External_Deal_ID, Legacy_Deal_ID',
    ]);
    expect(result.code).toBe(1);
  });

  /** Profiles refused with one line, each with that line. */
  const REFUSED: Array<{ does: string; file: string; profile: object; line: string }> = [
    {
      does: 'does not repeat a wrong related list as a wrong related.module when that defaults to it',
      file: 'default-module.json',
      profile: profileOf('Contacts', 'Deal', { column: 'contact', externalField: 'External_Contact_ID' }, { column: 'deal', externalField: 'External_Deal_ID' }),
      line: '✗ profile default-module.json: related list \'Deal\' not found on Contacts; available: Deals, Campaigns, Products — set "relatedList" to one of these API names',
    },
    {
      does: 'reports a related.module other than the records the list holds',
      file: 'other-module.json',
      profile: profileOf('Deals', 'Contact_Roles', { column: 'deal', externalField: 'External_Deal_ID' }, { column: 'contact', externalField: 'External_Deal_ID', module: 'Deals' }),
      line: '✗ profile other-module.json: related list Contact_Roles on Deals holds Contacts records, but related.module is \'Deals\' — set "related.module" to Contacts (or leave it out)',
    },
    {
      does: 'refuses a related list made by a lookup field, which this API cannot write',
      file: 'accounts.json',
      profile: profileOf('Accounts', 'Contacts', { column: 'account_ext_id', externalField: 'External_Account_ID' }, { column: 'contact_ext_id', externalField: 'External_Contact_ID' }),
      line: '✗ profile accounts.json: related list Contacts on Accounts is made by the lookup field Account_Name of Contacts, and the related-records API cannot write such a list — set Account_Name on the Contacts records instead, or use a related list that links records (docs/zoho.md#relations)',
    },
  ];

  it.each(REFUSED)('$does', async ({ file, profile, line }) => {
    const sim = await simulator();
    const result = await check(envFor(sim), await profileFile(file, profile));
    expect(result.stderr).toEqual([line]);
    expect(result.code).toBe(1);
  });

  it('reports a module Zoho does not know (INVALID_MODULE)', async () => {
    const sim = await simulator();
    const name = await profileFile('no-module.json', profileOf('Contact', 'Deals', { column: 'contact', externalField: 'External_Contact_ID' }, { column: 'deal', externalField: 'External_Deal_ID' }));
    const result = await check(envFor(sim), name);
    expect(result.stderr).toEqual([
      '✗ profile no-module.json: module \'Contact\' is not a module of this org (Zoho answered INVALID_MODULE) — set "module" to the module\'s API name (Setup → Developer Hub → APIs and SDKs → API names), e.g. Contacts',
    ]);
    expect(result.stdout.slice(1)).toEqual([
      '✓ profile no-module.json: related.module Deals exists (4 fields)',
      '✓ profile no-module.json: related.externalField External_Deal_ID is an External field of Deals',
    ]);
    expect(result.code).toBe(1);
  });

  it('notes a side that uses record ids, and passes', async () => {
    const sim = await simulator();
    const name = await profileFile('ids.json', profileOf('Contacts', 'Deals', { column: 'contact_id' }, { column: 'deal_id' }));
    const result = await check(envFor(sim), name);
    expect(result.stdout).toContain("· profile ids.json: no base.externalField: column 'contact_id' must hold Contacts record ids");
    expect(result.stdout).toContain("· profile ids.json: no related.externalField: column 'deal_id' must hold Deals record ids");
    expect(result.code).toBe(0);
  });

  it.each([
    [
      'says once that the token lacks the settings scopes',
      ['ZohoCRM.modules.ALL'],
      '✗ ZOHO_REFRESH_TOKEN: its scopes do not allow reading Zoho\'s metadata (OAUTH_SCOPE_MISMATCH) — relsync check needs a refresh token made with the scopes ZohoCRM.modules.ALL,ZohoCRM.settings.fields.READ,ZohoCRM.settings.related_lists.READ (see README: Self Client)',
    ],
    [
      'catches a token that may read Zoho\'s metadata but not write the related list',
      ['ZohoCRM.modules.Contacts.READ', 'ZohoCRM.modules.Deals.READ', 'ZohoCRM.settings.ALL'],
      '✗ ZOHO_REFRESH_TOKEN: its scopes do not allow writing related list Deals on Contacts (OAUTH_SCOPE_MISMATCH) — make a refresh token with ZohoCRM.modules.ALL or ZohoCRM.modules.Contacts.WRITE (see README: Self Client)',
    ],
  ])('%s', async (_what, scopes, line) => {
    const sim = await simulator({ scopes });
    const result = await check(envFor(sim));
    expect(result.stderr).toEqual([line]);
    expect(result.code).toBe(1);
  });

  it('stops at an unreachable API domain with one line', async () => {
    const sim = await simulator();
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = await check(envFor(sim, { ZOHO_API_DOMAIN: closed }));
    expect(result.stdout).toEqual([`✓ ZOHO_REFRESH_TOKEN: ${sim.url} issued an access token; API domain ${closed} (ZOHO_API_DOMAIN)`]);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(new RegExp(`^✗ ZOHO_API_DOMAIN: could not reach the Zoho API at ${closed}: Zoho refused the connection \\(ECONNREFUSED: .*\\) — check the network, ZOHO_DC and ZOHO_API_DOMAIN$`));
    expect(result.code).toBe(1);
  });

  it('reports a relation field that is not a field of the related list', async () => {
    const sim = await simulator();
    const name = await profileFile('price-status.json', profileOf('Products', 'Price_Books', { column: 'product_ext_id', externalField: 'External_Product_ID' }, { column: 'price_book_ext_id', externalField: 'External_Price_Book_ID' }, { fields: { Member_Status: 'member_status', list_price: { column: 'list_price', type: 'price' } } }));
    const result = await check(envFor(sim), name);
    expect(result.stderr).toEqual([
      '✗ profile price-status.json: fields.Member_Status is not a field of related list Price_Books on Products; its fields: Price_Book_Name, list_price — set the keys of "fields" to Zoho API names from these',
    ]);
    expect(result.stdout).toContain('✓ profile price-status.json: fields.list_price is a field of related list Price_Books on Products');
    expect(result.code).toBe(1);
  });

  it('with --file, names each role in the file that is neither a known name nor a known id, with its rows and the closest names', async () => {
    const sim = await simulator();
    await writeFile(join(tmp.path, 'roles.csv'), [
      'contact_ext_id,deal_ext_id,contact_role',
      'C-0001,D-0001,decision maker',
      'C-0001,D-0002,111111000000026004',
      'C-0002,D-0001,Decison Maker',
      'C-0002,D-0002,',
      'C-0003,D-0003,Decison Maker',
      'C-0003,D-0004,111111000000099999',
    ].join('\n'));
    const result = await check(envFor(sim), 'contacts-deals', 'roles.csv');
    expect(result.stderr).toEqual([
      "✗ file roles.csv: contact_role, rows 3, 5: 'Decison Maker' is not a known contact role; closest: 'Decision Maker', 'Evaluator', 'Technical Buyer'",
      "✗ file roles.csv: contact_role, row 6: '111111000000099999' is not the id of a known contact role",
    ]);
    expect(result.code).toBe(1);

    await writeFile(join(tmp.path, 'good.csv'), 'contact_ext_id,deal_ext_id,contact_role\nC-0001,D-0001, PURCHASING \nC-0001,D-0002,111111000000026002\n');
    const good = await check(envFor(sim), 'contacts-deals', 'good.csv');
    expect(good.stdout.at(-1)).toBe('✓ file good.csv: every contact_role is a known contact role (2 distinct value(s) in 2 row(s))');
    expect(good.code).toBe(0);
  });

  it('with --file, checks member statuses against the picklist and prices as non-negative decimals', async () => {
    const sim = await simulator();
    await writeFile(join(tmp.path, 'members.csv'), 'campaign_ext_id,lead_ext_id,member_status\nCMP-0001,L-0001,active\nCMP-0001,L-0002,Actve\n');
    const members = await check(envFor(sim), 'campaigns-leads', 'members.csv');
    expect(members.stderr).toEqual(["✗ file members.csv: member_status, row 2: 'Actve' is not a known member status; closest: 'Active', 'Inactive', 'Sent'"]);
    expect(members.stdout).toContain('✓ profile campaigns-leads: fields.Member_Status: lookup member-status read 11 value(s) from the Member_Status picklist of Campaigns (GET /crm/v8/settings/fields?module=Campaigns)');
    await writeFile(join(tmp.path, 'prices.csv'), 'product_ext_id,price_book_ext_id,list_price\nP-0001,PB-0001,12.5\nP-0001,PB-0002,"12,5"\nP-0002,PB-0002,-3\n');
    await expect(check(envFor(sim), 'products-price-books', 'prices.csv')).resolves.toMatchObject({
      stderr: [
        "✗ file prices.csv: list_price, row 2: expected a price: a non-negative decimal such as 12.5, got '12,5'",
        "✗ file prices.csv: list_price, row 3: expected a price: a non-negative decimal such as 12.5, got '-3'",
      ],
      code: 1,
    });
  });

  it('refuses a --file without the profile\'s columns before calling Zoho', async () => {
    const sim = await simulator();
    await writeFile(join(tmp.path, 'other.csv'), 'a,b\n1,2\n');
    await expect(check(envFor(sim), 'contacts-deals', 'other.csv')).rejects.toMatchObject({
      code: 'FILE_INVALID',
      message: 'other.csv: missing column(s) contact_ext_id, deal_ext_id, contact_role for profile contacts-deals; the file has: a, b',
    });
    expect(sim.counters.tokenRequests).toBe(0);
  });

  it('mints at most one token for ten checks, and none while a valid one is shared', async () => {
    const sim = await simulator();
    const env = envFor(sim);
    const results = await Promise.all(Array.from({ length: 10 }, () => check(env)));
    expect(results.map((r) => r.code)).toEqual(Array(10).fill(0));
    expect(sim.counters.tokensMinted).toBe(1);
    const again = await check(env);
    expect(again.stdout[0]).toBe(`✓ ZOHO_REFRESH_TOKEN: using the access token the workers share (issued by ${sim.url}); API domain ${sim.url}`);
    expect(sim.counters.tokenRequests).toBe(1);
  });

  it('renews a shared token the API no longer accepts, once', async () => {
    const sim = await simulator();
    const env = envFor(sim);
    expect((await check(env)).code).toBe(0);
    sim.expireTokens(); // an hour has passed: the shared token is dead
    const result = await check(env);
    expect(result.stderr).toEqual([]);
    expect(result.code).toBe(0);
    expect(sim.counters.tokensMinted).toBe(2);
  });

  it('names the API domain when a fresh token is refused too, after one new token', async () => {
    const sim = await simulator();
    const otherDataCentre = await simulator(); // the API of another data centre knows none of sim's tokens
    const env = envFor(sim);
    expect((await check(env)).code).toBe(0); // a token is shared now
    const result = await check({ ...env, ZOHO_API_DOMAIN: otherDataCentre.url });
    expect(result.stderr).toEqual([
      `✗ ZOHO_API_DOMAIN: the Zoho API at ${otherDataCentre.url} rejected a token just issued (INVALID_TOKEN) — the API domain must be in the same data centre as the accounts server: check ZOHO_DC, ZOHO_ACCOUNTS_URL and ZOHO_API_DOMAIN`,
    ]);
    expect(result.code).toBe(1);
    expect(sim.counters.tokensMinted).toBe(2); // the shared one, then one fresh token: no more
    expect(otherDataCentre.counters.calls).toBe(2);
  });
});
