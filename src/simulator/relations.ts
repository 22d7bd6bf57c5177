/**
 * The relations the related-records API writes (docs/zoho.md#relations), and the related lists that
 * reach them from either side. A relation is one set of links: a link made from Campaigns/{c}/Leads is
 * the link Leads/{l}/Campaigns sees. Each relation carries at most one entry field, sent in each entry
 * of `data`: Contact_Role (a Contact Role id), Member_Status (a picklist text), list_price (a number).
 *
 * Related lists that follow a lookup field (Accounts' "Contacts": the contacts whose Account_Name is
 * that account) are listed too, because the metadata shows them; this API cannot write them.
 */
import { lookupBy } from './lookup.js';
import { MEMBER_STATUSES, type ModuleName } from './modules.js';

export type RelationId =
  | 'Contacts-Deals'
  | 'Campaigns-Leads'
  | 'Campaigns-Contacts'
  | 'Products-Price_Books'
  | 'Products-Leads'
  | 'Products-Accounts'
  | 'Products-Contacts'
  | 'Products-Deals'
  | 'Appointments__s-Services__s';

export type EntryFieldKind = 'contact-role' | 'picklist' | 'number';

export interface EntryFieldSpec {
  apiName: string;
  /** Its id as a related-list column. */
  id: string;
  kind: EntryFieldKind;
  /** The allowed values of a picklist. */
  values?: readonly string[];
}

export interface RelationSpec {
  id: RelationId;
  /** The two modules; a link's `ids` are in this order. */
  modules: readonly [ModuleName, ModuleName];
  entryField: EntryFieldSpec | null;
}

const CONTACT_ROLE: EntryFieldSpec = { apiName: 'Contact_Role', id: '111111000000002401', kind: 'contact-role' };
const MEMBER_STATUS: EntryFieldSpec = { apiName: 'Member_Status', id: '111111000000000705', kind: 'picklist', values: MEMBER_STATUSES };
const LIST_PRICE: EntryFieldSpec = { apiName: 'list_price', id: '111111000000002403', kind: 'number' };

export const RELATIONS: readonly RelationSpec[] = [
  { id: 'Contacts-Deals', modules: ['Contacts', 'Deals'], entryField: CONTACT_ROLE },
  { id: 'Campaigns-Leads', modules: ['Campaigns', 'Leads'], entryField: MEMBER_STATUS },
  { id: 'Campaigns-Contacts', modules: ['Campaigns', 'Contacts'], entryField: MEMBER_STATUS },
  { id: 'Products-Price_Books', modules: ['Products', 'Price_Books'], entryField: LIST_PRICE },
  { id: 'Products-Leads', modules: ['Products', 'Leads'], entryField: null },
  { id: 'Products-Accounts', modules: ['Products', 'Accounts'], entryField: null },
  { id: 'Products-Contacts', modules: ['Products', 'Contacts'], entryField: null },
  { id: 'Products-Deals', modules: ['Products', 'Deals'], entryField: null },
  { id: 'Appointments__s-Services__s', modules: ['Appointments__s', 'Services__s'], entryField: null },
];

const relations = lookupBy(RELATIONS, (relation) => relation.id, { caller: 'relationSpec', what: 'relation' });

export const findRelation = relations.find;

/** The relation of an id known to be valid (a related list's or a dataset link's). */
export const relationSpec = relations.get;

export interface RelatedListSpec {
  /** The related list's API name: the path segment after the base record. */
  apiName: string;
  displayLabel: string;
  id: string;
  /** The module whose records the list holds. */
  relatedModule: ModuleName;
  /** The relation this list reads and writes; null for a lookup-based list. */
  relation: RelationId | null;
  /** For a lookup-based list: the lookup field of `relatedModule` that points at the base record. */
  lookupField: string | null;
}

function list(apiName: string, id: string, relatedModule: ModuleName, relation: RelationId, displayLabel = apiName.replaceAll('_', ' ')): RelatedListSpec {
  return { apiName, displayLabel, id, relatedModule, relation, lookupField: null };
}

/** Each module's related lists, in the order the metadata lists them. */
const RELATED_LISTS: Readonly<Record<ModuleName, readonly RelatedListSpec[]>> = {
  Contacts: [
    // The list of the API page's sample; entries may carry Contact_Role.
    list('Deals', '111111000000002155', 'Deals', 'Contacts-Deals'),
    list('Campaigns', '111111000000002157', 'Campaigns', 'Campaigns-Contacts'),
    list('Products', '111111000000002159', 'Products', 'Products-Contacts'),
  ],
  Deals: [
    // The Deals side of Contacts↔Deals is Zoho's "Contact Roles" list (`/Deals/{id}/Contact_Roles`).
    list('Contact_Roles', '111111000000002179', 'Contacts', 'Contacts-Deals', 'Contact Roles'),
    list('Products', '111111000000002181', 'Products', 'Products-Deals'),
  ],
  Campaigns: [list('Leads', '111111000000002201', 'Leads', 'Campaigns-Leads'), list('Contacts', '111111000000002203', 'Contacts', 'Campaigns-Contacts')],
  Leads: [list('Campaigns', '111111000000002221', 'Campaigns', 'Campaigns-Leads'), list('Products', '111111000000002223', 'Products', 'Products-Leads')],
  Products: [
    list('Price_Books', '111111000000002241', 'Price_Books', 'Products-Price_Books'),
    list('Leads', '111111000000002243', 'Leads', 'Products-Leads'),
    list('Accounts', '111111000000002245', 'Accounts', 'Products-Accounts'),
    list('Contacts', '111111000000002247', 'Contacts', 'Products-Contacts'),
    list('Deals', '111111000000002249', 'Deals', 'Products-Deals'),
  ],
  Price_Books: [list('Products', '111111000000002261', 'Products', 'Products-Price_Books')],
  Accounts: [
    list('Products', '111111000000002281', 'Products', 'Products-Accounts'),
    // Made by the Account_Name lookup on Contacts: readable, not writable by this API.
    { apiName: 'Contacts', displayLabel: 'Contacts', id: '111111000000002283', relatedModule: 'Contacts', relation: null, lookupField: 'Account_Name' },
  ],
  Appointments__s: [list('Services__s', '111111000000002301', 'Services__s', 'Appointments__s-Services__s', 'Services')],
  Services__s: [list('Appointments__s', '111111000000002321', 'Appointments__s', 'Appointments__s-Services__s', 'Appointments')],
};

export function relatedListsOf(module: ModuleName): readonly RelatedListSpec[] {
  return RELATED_LISTS[module];
}

export function findRelatedList(module: ModuleName, name: string): RelatedListSpec | undefined {
  return RELATED_LISTS[module].find((candidate) => candidate.apiName === name);
}

/** Orders a (base, related) pair of record ids the way the relation stores it. */
export function orient(relation: RelationSpec, baseModule: ModuleName, baseId: string, relatedId: string): [string, string] {
  return relation.modules[0] === baseModule ? [baseId, relatedId] : [relatedId, baseId];
}

/** Which of a relation's two ends `module` is. */
export function sideOf(relation: RelationSpec, module: ModuleName): 0 | 1 {
  return relation.modules[0] === module ? 0 : 1;
}
