/**
 * The CRM modules the simulator knows: every module the related-records API serves
 * (docs/zoho.md#relations), each with its fields as `GET /crm/{v}/settings/fields` describes them. Names are matched
 * case-sensitively (docs/zoho.md#unknown-case-of-module-and-list-names: Zoho's SDK rewrites paths to canonical casing, so canonical is what is
 * known to work; a client that sends `contacts` fails here rather than in production).
 *
 * Every module has several External ID fields (Zoho allows more than one per module): the first is
 * `External_<Singular>_ID`, the second a legacy or billing key, so that a client naming either works.
 */
import { lookupBy } from './lookup.js';

export type ModuleName =
  | 'Contacts'
  | 'Deals'
  | 'Campaigns'
  | 'Leads'
  | 'Products'
  | 'Price_Books'
  | 'Accounts'
  | 'Appointments__s'
  | 'Services__s';

/** A picklist option as the fields metadata shows it. */
export interface PicklistValue {
  display_value: string;
  actual_value: string;
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
  /** Only on picklists. */
  pick_list_values?: PicklistValue[];
  /** Only on lookups: the module the field points at. */
  lookup?: { module: { api_name: ModuleName; id: string }; display_label: string; api_name: string };
}

/** Key of a module's records in `SimulatorDataset`. */
export type RecordsKey = 'contacts' | 'deals' | 'campaigns' | 'leads' | 'products' | 'priceBooks' | 'accounts' | 'appointments' | 'services';

export interface ModuleSpec {
  apiName: ModuleName;
  id: string;
  /** Where the dataset keeps this module's records. */
  recordsKey: RecordsKey;
  /** The module's External ID fields; the first is `External_<Singular>_ID`. */
  externalFields: readonly string[];
  /** The field a record's display name is read from (a lookup shows it as `{ name, id }`). */
  nameField: string;
  fields: readonly FieldSpec[];
}

/** A field, labelled as its api name reads with spaces. */
function field(apiName: string, dataType: string, id: string, extra: Partial<FieldSpec> = {}): FieldSpec {
  return { api_name: apiName, field_label: apiName.replaceAll('_', ' '), data_type: dataType, id, length: 255, system_mandatory: false, unique: null, external: null, ...extra };
}

function externalField(apiName: string, id: string): FieldSpec {
  return field(apiName, 'text', id, {
    unique: { casesensitive: '1' },
    external: { show: true, type: 'user', allow_multiple_config: false },
  });
}

/** A module with its External ID fields (api name → field id, its `externalFields` in that order), which follow its own fields. */
function crmModule(spec: Omit<ModuleSpec, 'externalFields' | 'fields'>, externals: Readonly<Record<string, string>>, fields: readonly FieldSpec[]): ModuleSpec {
  return {
    ...spec,
    externalFields: Object.keys(externals),
    fields: [...fields, ...Object.entries(externals).map(([apiName, id]) => externalField(apiName, id))],
  };
}

export function picklistValues(values: readonly string[]): PicklistValue[] {
  return values.map((value) => ({ display_value: value, actual_value: value }));
}

/** Deal stages of a default pipeline. */
export const DEAL_STAGES = ['Qualification', 'Needs Analysis', 'Value Proposition', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost'] as const;

/** Campaign member statuses accepted in `Member_Status` (a picklist: other text is INVALID_DATA). */
export const MEMBER_STATUSES = ['Planning', 'Active', 'Inactive', 'Complete', 'Invited', 'Sent', 'Received', 'Opened', 'Responded', 'Bounced', 'Opted Out'] as const;

const ACCOUNTS_MODULE_ID = '111111000000000055';

export const MODULES: readonly ModuleSpec[] = [
  crmModule({ apiName: 'Contacts', id: '111111000000000057', recordsKey: 'contacts', nameField: 'Last_Name' }, { External_Contact_ID: '111111000000300001', Billing_Contact_ID: '111111000000300002' }, [
    field('First_Name', 'text', '111111000000000551', { length: 40 }),
    field('Last_Name', 'text', '111111000000000553', { length: 80, system_mandatory: true }),
    field('Email', 'email', '111111000000000557', { length: 100 }),
    // The lookup that makes Accounts' "Contacts" list: a list this API cannot write.
    field('Account_Name', 'lookup', '111111000000000559', {
      lookup: { module: { api_name: 'Accounts', id: ACCOUNTS_MODULE_ID }, display_label: 'Contacts', api_name: 'Contacts' },
    }),
  ]),
  crmModule({ apiName: 'Deals', id: '111111000000000059', recordsKey: 'deals', nameField: 'Deal_Name' }, { External_Deal_ID: '111111000000300003', Legacy_Deal_ID: '111111000000300004' }, [
    field('Deal_Name', 'text', '111111000000000651', { length: 120, system_mandatory: true }),
    field('Stage', 'picklist', '111111000000000661', { length: 120, system_mandatory: true, pick_list_values: picklistValues(DEAL_STAGES) }),
  ]),
  crmModule({ apiName: 'Campaigns', id: '111111000000000061', recordsKey: 'campaigns', nameField: 'Campaign_Name' }, { External_Campaign_ID: '111111000000300005', Legacy_Campaign_ID: '111111000000300006' }, [
    field('Campaign_Name', 'text', '111111000000000701', { length: 120, system_mandatory: true }),
    field('Status', 'picklist', '111111000000000703', { pick_list_values: picklistValues(['Planning', 'Active', 'Inactive', 'Complete']) }),
    // The status of a lead or contact in a campaign: sent in each entry of Campaigns ↔ Leads / Contacts.
    field('Member_Status', 'picklist', '111111000000000705', { pick_list_values: picklistValues(MEMBER_STATUSES) }),
  ]),
  crmModule({ apiName: 'Leads', id: '111111000000000063', recordsKey: 'leads', nameField: 'Last_Name' }, { External_Lead_ID: '111111000000300007', Legacy_Lead_ID: '111111000000300008' }, [
    field('First_Name', 'text', '111111000000000751', { length: 40 }),
    field('Last_Name', 'text', '111111000000000753', { length: 80, system_mandatory: true }),
    field('Company', 'text', '111111000000000755', { length: 200 }),
  ]),
  crmModule({ apiName: 'Products', id: '111111000000000065', recordsKey: 'products', nameField: 'Product_Name' }, { External_Product_ID: '111111000000300009', Legacy_Product_ID: '111111000000300010' }, [
    field('Product_Name', 'text', '111111000000000801', { length: 120, system_mandatory: true }),
    field('Product_Code', 'text', '111111000000000803', { length: 40 }),
    field('Unit_Price', 'currency', '111111000000000805', { length: 16 }),
  ]),
  crmModule({ apiName: 'Price_Books', id: '111111000000000067', recordsKey: 'priceBooks', nameField: 'Price_Book_Name' }, { External_Price_Book_ID: '111111000000300011', Legacy_Price_Book_ID: '111111000000300012' }, [
    field('Price_Book_Name', 'text', '111111000000000851', { length: 120, system_mandatory: true }),
    field('Pricing_Model', 'picklist', '111111000000000853', { pick_list_values: picklistValues(['Flat', 'Differential']) }),
  ]),
  crmModule({ apiName: 'Accounts', id: ACCOUNTS_MODULE_ID, recordsKey: 'accounts', nameField: 'Account_Name' }, { External_Account_ID: '111111000000300013', Legacy_Account_ID: '111111000000300014' }, [
    field('Account_Name', 'text', '111111000000000901', { length: 200, system_mandatory: true }),
    field('Industry', 'picklist', '111111000000000903', { pick_list_values: picklistValues(['Manufacturing', 'Retail', 'Services', 'Technology']) }),
  ]),
  crmModule({ apiName: 'Appointments__s', id: '111111000000000069', recordsKey: 'appointments', nameField: 'Appointment_Name' }, { External_Appointment_ID: '111111000000300015', Legacy_Appointment_ID: '111111000000300016' }, [
    field('Appointment_Name', 'text', '111111000000000951', { length: 120, system_mandatory: true }),
    field('Appointment_Start_Time', 'datetime', '111111000000000953', { length: 120 }),
  ]),
  crmModule({ apiName: 'Services__s', id: '111111000000000071', recordsKey: 'services', nameField: 'Service_Name' }, { External_Service_ID: '111111000000300017', Legacy_Service_ID: '111111000000300018' }, [
    field('Service_Name', 'text', '111111000000001001', { length: 120, system_mandatory: true }),
    field('Price', 'currency', '111111000000001003', { length: 16 }),
  ]),
];

const modules = lookupBy(MODULES, (spec) => spec.apiName, { caller: 'moduleSpec', what: 'module' });

export const findModule = modules.find;

/** The module spec of a name known to be valid (a relation's or a related list's module). */
export const moduleSpec = modules.get;

export function findField(module: ModuleSpec, apiName: string): FieldSpec | undefined {
  return module.fields.find((candidate) => candidate.api_name === apiName);
}
