/**
 * The CRM modules the simulator knows, their external fields and related lists. Names are matched
 * case-sensitively (docs/zoho.md#unknown-case-of-module-and-list-names: Zoho's SDK rewrites paths to
 * canonical casing, so canonical is what is known to work; a client that sends `contacts` fails here
 * rather than in production).
 */
export type ModuleName = 'Contacts' | 'Deals';

export interface RelatedListSpec {
  /** The related list's API name: the last path segment of the PUT. */
  apiName: string;
  displayLabel: string;
  id: string;
  /** The module whose records the entries of `data` name. */
  relatedModule: ModuleName;
  /** The relation-level field an entry may carry (a Contact Role id here). */
  relationField: string;
}

/** A field as `GET /crm/{v}/settings/fields` describes it (the subset clients look at). */
export interface FieldSpec {
  api_name: string;
  field_label: string;
  data_type: string;
  id: string;
  length: number;
  system_mandatory: boolean;
  unique: { casesensitive: string } | null;
  /** Set on a field marked "External" in Setup; null otherwise. */
  external: { show: boolean; type: string; allow_multiple_config: boolean } | null;
}

export interface ModuleSpec {
  apiName: ModuleName;
  id: string;
  /** The module's one External ID field. */
  externalField: string;
  relatedLists: readonly RelatedListSpec[];
  fields: readonly FieldSpec[];
}

function field(apiName: string, label: string, dataType: string, id: string, extra: Partial<FieldSpec> = {}): FieldSpec {
  return { api_name: apiName, field_label: label, data_type: dataType, id, length: 255, system_mandatory: false, unique: null, external: null, ...extra };
}

function externalField(apiName: string, label: string, id: string): FieldSpec {
  return field(apiName, label, 'text', id, {
    unique: { casesensitive: '1' },
    external: { show: true, type: 'user', allow_multiple_config: false },
  });
}

const CONTACTS: ModuleSpec = {
  apiName: 'Contacts',
  id: '111111000000000057',
  externalField: 'External_Contact_ID',
  // Contacts → Deals, the list of the API page's sample; entries may carry Contact_Role
  // (docs/zoho.md#relation-fields).
  relatedLists: [{ apiName: 'Deals', displayLabel: 'Deals', id: '111111000000002155', relatedModule: 'Deals', relationField: 'Contact_Role' }],
  fields: [
    field('First_Name', 'First Name', 'text', '111111000000000551', { length: 40 }),
    field('Last_Name', 'Last Name', 'text', '111111000000000553', { length: 80, system_mandatory: true }),
    field('Email', 'Email', 'email', '111111000000000557', { length: 100 }),
    externalField('External_Contact_ID', 'External Contact ID', '111111000000300001'),
  ],
};

const DEALS: ModuleSpec = {
  apiName: 'Deals',
  id: '111111000000000059',
  externalField: 'External_Deal_ID',
  // The Deals side of the same association is Zoho's "Contact Roles" list (`/Deals/{id}/Contact_Roles`).
  relatedLists: [
    { apiName: 'Contact_Roles', displayLabel: 'Contact Roles', id: '111111000000002179', relatedModule: 'Contacts', relationField: 'Contact_Role' },
  ],
  fields: [
    field('Deal_Name', 'Deal Name', 'text', '111111000000000651', { length: 120, system_mandatory: true }),
    field('Stage', 'Stage', 'picklist', '111111000000000661', { length: 120, system_mandatory: true }),
    externalField('External_Deal_ID', 'External Deal ID', '111111000000300003'),
  ],
};

export const MODULES: readonly ModuleSpec[] = [CONTACTS, DEALS];

export function findModule(name: string): ModuleSpec | undefined {
  return MODULES.find((spec) => spec.apiName === name);
}

export function findRelatedList(module: ModuleSpec, name: string): RelatedListSpec | undefined {
  return module.relatedLists.find((list) => list.apiName === name);
}

/** Orders a (base, related) pair of record ids as (contact, deal). */
export function toPair(baseModule: ModuleName, baseId: string, relatedId: string): { contactId: string; dealId: string } {
  return baseModule === 'Contacts' ? { contactId: baseId, dealId: relatedId } : { contactId: relatedId, dealId: baseId };
}
