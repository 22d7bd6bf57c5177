/**
 * Generated records of the modules beyond Contacts and Deals: `count` of each, deterministic for a
 * seed, external values `<PREFIX>-0001`… in `External_<Singular>_ID` and `legacy-<PREFIX>-0001`… in
 * the module's second external field.
 */
import type { ContactRecord, ModuleRecord, OtherModuleRecords } from './dataset-types.js';
import { DEAL_STAGES } from './modules.js';
import { createStream, pick, randomInt, RandomStreams, type Random } from './prng.js';

/** `111111` + a 3-digit module prefix + 9 digits; a random step keeps ids unique but not guessable. */
export function generatedId(modulePrefix: string, index: number, offset: number): string {
  return `111111${modulePrefix}${String(index * 100 + offset).padStart(9, '0')}`;
}

export function externalId(prefix: string, index: number, total: number): string {
  return `${prefix}-${String(index).padStart(Math.max(4, String(total).length), '0')}`;
}

const WORDS = ['Aurora', 'Basalt', 'Cobalt', 'Delta', 'Ember', 'Fjord', 'Granite', 'Harbor', 'Indigo', 'Juniper', 'Kestrel', 'Lumen'];
export const FIRST_NAMES = ['Ana', 'Bo', 'Chen', 'Dara', 'Emil', 'Fatima', 'Goran', 'Hana', 'Ivo', 'Jun', 'Kemal', 'Lena'];
export const LAST_NAMES = ['Okafor', 'Silva', 'Novak', 'Tanaka', 'Moreau', 'Haddad', 'Larsen', 'Rossi', 'Kowalski', 'Nguyen'];

interface ModulePlan {
  key: keyof OtherModuleRecords;
  /** Digits 7-9 of the module's record ids. */
  idPrefix: string;
  /** Prefix of the external values. */
  prefix: string;
  externalFields: readonly [string, string];
  /** The record's other fields. */
  fill(random: Random, index: number): Record<string, string>;
}

const price = (random: Random): string => (5 + randomInt(random, 99_500) / 100).toFixed(2);

const PLANS: readonly ModulePlan[] = [
  {
    key: 'campaigns', idPrefix: '003', prefix: 'CMP', externalFields: ['External_Campaign_ID', 'Legacy_Campaign_ID'],
    fill: (random) => ({ Campaign_Name: `${pick(random, WORDS)} ${pick(random, ['Webinar', 'Mailer', 'Expo', 'Launch'])}`, Status: pick(random, ['Planning', 'Active', 'Complete']) }),
  },
  {
    key: 'leads', idPrefix: '004', prefix: 'L', externalFields: ['External_Lead_ID', 'Legacy_Lead_ID'],
    fill: (random) => ({ First_Name: pick(random, FIRST_NAMES), Last_Name: pick(random, LAST_NAMES), Company: `${pick(random, WORDS)} Ltd` }),
  },
  {
    key: 'products', idPrefix: '005', prefix: 'P', externalFields: ['External_Product_ID', 'Legacy_Product_ID'],
    fill: (random, index) => ({ Product_Name: `${pick(random, WORDS)} ${pick(random, ['Sensor', 'Valve', 'Licence', 'Kit'])}`, Product_Code: `SKU-${index}`, Unit_Price: price(random) }),
  },
  {
    key: 'priceBooks', idPrefix: '006', prefix: 'PB', externalFields: ['External_Price_Book_ID', 'Legacy_Price_Book_ID'],
    fill: (random) => ({ Price_Book_Name: `${pick(random, WORDS)} ${pick(random, ['Retail', 'Partner', 'Wholesale'])}`, Pricing_Model: pick(random, ['Flat', 'Differential']) }),
  },
  {
    key: 'accounts', idPrefix: '007', prefix: 'A', externalFields: ['External_Account_ID', 'Legacy_Account_ID'],
    fill: (random) => ({ Account_Name: `${pick(random, WORDS)} ${pick(random, LAST_NAMES)} Inc`, Industry: pick(random, ['Manufacturing', 'Retail', 'Services', 'Technology']) }),
  },
  {
    key: 'appointments', idPrefix: '008', prefix: 'AP', externalFields: ['External_Appointment_ID', 'Legacy_Appointment_ID'],
    fill: (random, index) => ({
      Appointment_Name: `${pick(random, DEAL_STAGES)} call ${index}`,
      Appointment_Start_Time: new Date(Date.UTC(2025, 0, 1 + (index % 365), 8 + randomInt(random, 9))).toISOString().replace('.000Z', '+00:00'),
    }),
  },
  {
    key: 'services', idPrefix: '009', prefix: 'S', externalFields: ['External_Service_ID', 'Legacy_Service_ID'],
    fill: (random) => ({ Service_Name: `${pick(random, WORDS)} ${pick(random, ['Check-up', 'Install', 'Repair', 'Training'])}`, Price: price(random) }),
  },
];

function generateModule(random: Random, plan: ModulePlan, count: number): ModuleRecord[] {
  const records: ModuleRecord[] = [];
  for (let i = 1; i <= count; i += 1) {
    const external = externalId(plan.prefix, i, count);
    records.push({
      id: generatedId(plan.idPrefix, i, randomInt(random, 100)),
      ...plan.fill(random, i),
      [plan.externalFields[0]]: external,
      [plan.externalFields[1]]: `legacy-${external}`,
    });
  }
  return records;
}

/** The same seed and count always give the same records. */
export function generateOtherModules(seed: number, count: number): OtherModuleRecords {
  const random = createStream(seed, RandomStreams.otherModules);
  const records = Object.fromEntries(PLANS.map((plan) => [plan.key, generateModule(random, plan, count)]));
  return records as unknown as OtherModuleRecords;
}

/** Sets the Account_Name lookup of every third generated contact (`C-…`), round-robin over the accounts. */
export function linkContactsToAccounts(contacts: ContactRecord[], accounts: readonly ModuleRecord[]): void {
  if (accounts.length === 0) return;
  const generated = contacts.filter((contact) => /^C-\d+$/.test(contact.External_Contact_ID));
  generated.forEach((contact, index) => {
    if (index % 3 !== 0) return;
    const account = accounts[(index / 3) % accounts.length];
    if (account !== undefined) contact.Account_Name = account.id;
  });
}
