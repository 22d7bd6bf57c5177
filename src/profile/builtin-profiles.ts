/**
 * The built-in profiles, one per relation the related-records API serves (docs/zoho.md#relations),
 * made from one table so that the twelve cannot drift apart. From a module's API name and its singular
 * in snake case everything else follows (docs/contract.md#built-in-profiles):
 *   profile name   `<module>-<related list>` in kebab case, `__s` dropped: `appointments-services`
 *   columns        `<singular>_ext_id` for each side, then the entry field in snake case
 *   external field `External_<Singular>_ID`: `External_Price_Book_ID`
 */
import type { FieldType, Profile, ProfileField } from './profile-schema.js';
import type { LookupName } from './lookups.js';

/** Every module a built-in profile names, with its singular in snake case. */
const SINGULAR = {
  Contacts: 'contact',
  Deals: 'deal',
  Campaigns: 'campaign',
  Leads: 'lead',
  Products: 'product',
  Price_Books: 'price_book',
  Accounts: 'account',
  Appointments__s: 'appointment',
  Services__s: 'service',
} as const;

type ModuleName = keyof typeof SINGULAR;

/** A relation's entry field: its Zoho API name and how its cell is read. */
interface EntryField {
  apiName: string;
  lookup?: LookupName;
  type?: FieldType;
}

/** Contacts ↔ Deals: the id of a Contact Role, given by id or by name. */
const CONTACT_ROLE: EntryField = { apiName: 'Contact_Role', lookup: 'contact-roles' };
/** Campaigns ↔ Leads / Contacts: a value of the Member_Status picklist, matched by name. */
const MEMBER_STATUS: EntryField = { apiName: 'Member_Status', lookup: 'member-status' };
/** Products ↔ Price_Books: the product's price in that book, a JSON number. */
const LIST_PRICE: EntryField = { apiName: 'list_price', type: 'price' };

/** Base module, related list (which is also the related module), entry field: in the contract's order. */
export const BUILTIN_RELATIONS: ReadonlyArray<readonly [ModuleName, ModuleName, EntryField?]> = [
  ['Contacts', 'Deals', CONTACT_ROLE],
  ['Campaigns', 'Contacts', MEMBER_STATUS],
  ['Campaigns', 'Leads', MEMBER_STATUS],
  ['Leads', 'Campaigns', MEMBER_STATUS],
  ['Contacts', 'Campaigns', MEMBER_STATUS],
  ['Products', 'Price_Books', LIST_PRICE],
  ['Price_Books', 'Products', LIST_PRICE],
  ['Products', 'Accounts'],
  ['Products', 'Contacts'],
  ['Products', 'Deals'],
  ['Products', 'Leads'],
  ['Appointments__s', 'Services__s'],
];

/** `Price_Books` → `price-books`, `Appointments__s` → `appointments`. */
function kebab(module: ModuleName): string {
  return module.replace(/__s$/, '').toLowerCase().replaceAll('_', '-');
}

/** `price_book` → `External_Price_Book_ID`. */
function externalFieldOf(module: ModuleName): string {
  const words = SINGULAR[module].split('_').map((word) => `${word[0]!.toUpperCase()}${word.slice(1)}`);
  return `External_${words.join('_')}_ID`;
}

function fieldOf(entry: EntryField): ProfileField {
  const column = entry.apiName.toLowerCase();
  if (entry.lookup !== undefined) return { column, lookup: entry.lookup };
  if (entry.type !== undefined) return { column, type: entry.type };
  return column;
}

function profileOf(module: ModuleName, relatedList: ModuleName, entry: EntryField | undefined): Profile {
  return {
    module,
    relatedList,
    base: { column: `${SINGULAR[module]}_ext_id`, externalField: externalFieldOf(module) },
    related: { column: `${SINGULAR[relatedList]}_ext_id`, externalField: externalFieldOf(relatedList), module: relatedList },
    fields: entry === undefined ? {} : { [entry.apiName]: fieldOf(entry) },
  };
}

/** Name → profile, in the table's order. */
export function builtinProfiles(): Record<string, Profile> {
  return Object.fromEntries(BUILTIN_RELATIONS.map(([module, list, entry]) => [`${kebab(module)}-${kebab(list)}`, profileOf(module, list, entry)]));
}
