/**
 * The simulated org's records: a deterministic dataset for a seed. It always holds the API page's own
 * sample records (contact `extcontact3`, deal `extdeal3`, role 111111000000026002) so the page's curl
 * examples work, plus a few external ids that need percent-encoding, then `contacts`/`deals` generated
 * records (`C-0001`, `D-0001`, …) and `recordsPerModule` records of each other module (see
 * dataset-modules.ts).
 */
import { DEAL_STAGES } from './modules.js';
import { createStream, pick, randomInt, RandomStreams } from './prng.js';
import { externalId, FIRST_NAMES, generatedId, generateOtherModules, LAST_NAMES, linkContactsToAccounts } from './dataset-modules.js';
import type { ContactRecord, ContactRole, DealRecord, SimulatorDataset } from './dataset-types.js';

export type { Association, ContactRecord, ContactRole, DealRecord, EntryValue, Link, ModuleRecord, SimulatorDataset } from './dataset-types.js';

/** The API page's sample records (EXT8). */
export const SAMPLE_CONTACT: Readonly<ContactRecord> = Object.freeze({
  id: '111111000000085009',
  External_Contact_ID: 'extcontact3',
  Billing_Contact_ID: 'billcontact3',
  First_Name: 'Patricia',
  Last_Name: 'Boyle',
  Email: 'p.boyle@zylker.com',
});
export const SAMPLE_DEAL: Readonly<DealRecord> = Object.freeze({
  id: '111111000000094028',
  External_Deal_ID: 'extdeal3',
  Legacy_Deal_ID: 'legacydeal3',
  Deal_Name: 'Zylker Renewal',
  Stage: 'Qualification',
});

/** External ids a client must percent-encode as one path segment (`/ # ? % + & =`, space, non-ASCII). */
export const ODD_CONTACT_EXTERNAL_IDS: readonly string[] = ['C/odd 1', 'C#2?x', 'C%3', 'Ünïcødé-4', 'C+5', 'C&6=x'];
export const ODD_DEAL_EXTERNAL_IDS: readonly string[] = ['D/odd 1', 'D#2?x', 'D%3', 'Ðéål-4', 'D+5', 'D&6=x'];

const ROLE_NAMES = [
  'Decision Maker', 'Purchasing', 'Evaluator', 'Technical Buyer', 'Executive Sponsor',
  'Influencer', 'Developer/Evaluator', 'Economic Decision Maker', 'Product Management', 'Other',
];

/** Zoho's default contact roles; the first is the id used in the API page's samples. */
export function defaultContactRoles(): ContactRole[] {
  return ROLE_NAMES.map((name, index) => ({
    id: `111111000000026${String(2 + index * 2).padStart(3, '0')}`,
    name,
    sequence_number: index + 1,
  }));
}

const DEAL_WORDS = ['Renewal', 'Expansion', 'Pilot', 'Migration', 'Upgrade', 'Onboarding', 'Support Plan'];

export interface DatasetSizes {
  seed: number;
  contacts: number;
  deals: number;
  /** Records of each module other than Contacts and Deals. */
  recordsPerModule: number;
}

function oddContacts(): ContactRecord[] {
  return ODD_CONTACT_EXTERNAL_IDS.map((value, index) => ({
    id: `1111110000000900${String(index + 1).padStart(2, '0')}`,
    External_Contact_ID: value,
    First_Name: 'Odd',
    Last_Name: `Contact ${index + 1}`,
  }));
}

function oddDeals(): DealRecord[] {
  return ODD_DEAL_EXTERNAL_IDS.map((value, index) => ({
    id: `1111110000000910${String(index + 1).padStart(2, '0')}`,
    External_Deal_ID: value,
    Deal_Name: `Odd Deal ${index + 1}`,
    Stage: 'Qualification',
  }));
}

/** The same sizes and seed always give the same dataset, byte for byte. */
export function generateDataset(sizes: DatasetSizes): SimulatorDataset {
  const random = createStream(sizes.seed, RandomStreams.dataset);
  const contacts: ContactRecord[] = [{ ...SAMPLE_CONTACT }, ...oddContacts()];
  for (let i = 1; i <= sizes.contacts; i += 1) {
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    contacts.push({
      id: generatedId('001', i, randomInt(random, 100)),
      External_Contact_ID: externalId('C', i, sizes.contacts),
      Billing_Contact_ID: `bill-${externalId('C', i, sizes.contacts)}`,
      First_Name: first,
      Last_Name: last,
      Email: `${first}.${last}.${i}@example.com`.toLowerCase(),
    });
  }
  const deals: DealRecord[] = [{ ...SAMPLE_DEAL }, ...oddDeals()];
  for (let i = 1; i <= sizes.deals; i += 1) {
    deals.push({
      id: generatedId('002', i, randomInt(random, 100)),
      External_Deal_ID: externalId('D', i, sizes.deals),
      Legacy_Deal_ID: `legacy-${externalId('D', i, sizes.deals)}`,
      Deal_Name: `${pick(random, LAST_NAMES)} ${pick(random, DEAL_WORDS)}`,
      Stage: pick(random, DEAL_STAGES),
    });
  }
  // The other modules draw from their own stream, so Contacts and Deals stay what they were for a seed.
  const others = generateOtherModules(sizes.seed, sizes.recordsPerModule);
  linkContactsToAccounts(contacts, others.accounts);
  return { seed: sizes.seed, contacts, deals, ...others, contactRoles: defaultContactRoles(), associations: [], links: [] };
}
