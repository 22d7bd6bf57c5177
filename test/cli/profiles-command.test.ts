/**
 * `relsync profiles`: the built-in profiles with their columns, as a user reads them, and as JSON a
 * script (or a profile file) can use.
 */
import { describe, expect, it } from 'vitest';
import { runProfiles } from '../../src/cli/commands/profiles-command.js';
import { parseProfile } from '../../src/profile/profile.js';
import { captureIO } from '../helpers/cli-io.js';
import { startRelsync } from '../helpers/relsync-process.js';

/** The lines `relsync profiles` prints first, its columns here split by ' | '. */
const LISTED = `
contacts-deals | Contacts → Deals | contact_ext_id, deal_ext_id, contact_role (Contact_Role, lookup contact-roles)
campaigns-contacts | Campaigns → Contacts | campaign_ext_id, contact_ext_id, member_status (Member_Status, lookup member-status)
campaigns-leads | Campaigns → Leads | campaign_ext_id, lead_ext_id, member_status (Member_Status, lookup member-status)
leads-campaigns | Leads → Campaigns | lead_ext_id, campaign_ext_id, member_status (Member_Status, lookup member-status)
contacts-campaigns | Contacts → Campaigns | contact_ext_id, campaign_ext_id, member_status (Member_Status, lookup member-status)
products-price-books | Products → Price_Books | product_ext_id, price_book_ext_id, list_price (list_price, price)
price-books-products | Price_Books → Products | price_book_ext_id, product_ext_id, list_price (list_price, price)
products-accounts | Products → Accounts | product_ext_id, account_ext_id
products-contacts | Products → Contacts | product_ext_id, contact_ext_id
products-deals | Products → Deals | product_ext_id, deal_ext_id
products-leads | Products → Leads | product_ext_id, lead_ext_id
appointments-services | Appointments__s → Services__s | appointment_ext_id, service_ext_id
`.trim().split('\n');

describe('relsync profiles', () => {
  it('lists each built-in profile with its relation and columns, one line each', async () => {
    const io = captureIO(process.cwd());
    expect(await runProfiles(io)).toBe(0);
    const lines = io.out().split('\n');
    expect(lines.slice(0, 12).map((line) => line.split(/ {2,}/))).toEqual(LISTED.map((line) => line.split(' | ')));
    expect(io.err()).toBe('');
  });

  it('--json prints every profile whole, each a valid profile, from the real binary', async () => {
    const run = startRelsync(['profiles', '--json'], {});
    expect(await run.exited).toBe(0);
    const list = JSON.parse(run.stdout()) as Array<{ name: string; columns: string[]; profile: unknown }>;
    expect(list).toHaveLength(12);
    expect(list[5]).toEqual({
      name: 'products-price-books',
      columns: ['product_ext_id', 'price_book_ext_id', 'list_price'],
      profile: {
        module: 'Products',
        relatedList: 'Price_Books',
        base: { column: 'product_ext_id', externalField: 'External_Product_ID' },
        related: { column: 'price_book_ext_id', externalField: 'External_Price_Book_ID', module: 'Price_Books' },
        fields: { list_price: { column: 'list_price', type: 'price' } },
      },
    });
    for (const { name, profile } of list) expect(parseProfile(profile, name)).toEqual(profile);
  });
});
