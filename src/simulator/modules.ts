/**
 * The CRM modules the simulator knows: every module the related-records API serves
 * (docs/zoho.md#relations), each with its fields as `GET /crm/{v}/settings/fields` describes them. Names are matched
 * case-sensitively (docs/zoho.md#unknown-case-of-module-and-list-names: Zoho's SDK rewrites paths to canonical casing, so canonical is what is
 * known to work; a client that sends `contacts` fails here rather than in production).
 *
 * Every module has several External ID fields (Zoho allows more than one per module): the first is
 * `External_<Singular>_ID`, the second a legacy or billing key, so that a client naming either works.
 */
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

function field(apiName: string, label: string, dataType: string, id: string, extra: Partial<FieldSpec> = {}): FieldSpec {
  return { api_name: apiName, field_label: label, data_type: dataType, id, length: 255, system_mandatory: false, unique: null, external: null, ...extra };
}

function externalField(apiName: string, label: string, id: string): FieldSpec {
  return field(apiName, label, 'text', id, {
    unique: { casesensitive: '1' },
    external: { show: true, type: 'user', allow_multiple_config: false },
  });
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
  {
    apiName: 'Contacts',
    id: '111111000000000057',
    recordsKey: 'contacts',
    externalFields: ['External_Contact_ID', 'Billing_Contact_ID'],
    nameField: 'Last_Name',
    fields: [
      field('First_Name', 'First Name', 'text', '111111000000000551', { length: 40 }),
      field('Last_Name', 'Last Name', 'text', '111111000000000553', { length: 80, system_mandatory: true }),
      field('Email', 'Email', 'email', '111111000000000557', { length: 100 }),
      // The lookup that makes Accounts' "Contacts" list: a list this API cannot write.
      field('Account_Name', 'Account Name', 'lookup', '111111000000000559', {
        lookup: { module: { api_name: 'Accounts', id: ACCOUNTS_MODULE_ID }, display_label: 'Contacts', api_name: 'Contacts' },
      }),
      externalField('External_Contact_ID', 'External Contact ID', '111111000000300001'),
      externalField('Billing_Contact_ID', 'Billing Contact ID', '111111000000300002'),
    ],
  },
  {
    apiName: 'Deals',
    id: '111111000000000059',
    recordsKey: 'deals',
    externalFields: ['External_Deal_ID', 'Legacy_Deal_ID'],
    nameField: 'Deal_Name',
    fields: [
      field('Deal_Name', 'Deal Name', 'text', '111111000000000651', { length: 120, system_mandatory: true }),
      field('Stage', 'Stage', 'picklist', '111111000000000661', { length: 120, system_mandatory: true, pick_list_values: picklistValues(DEAL_STAGES) }),
      externalField('External_Deal_ID', 'External Deal ID', '111111000000300003'),
      externalField('Legacy_Deal_ID', 'Legacy Deal ID', '111111000000300004'),
    ],
  },
  {
    apiName: 'Campaigns',
    id: '111111000000000061',
    recordsKey: 'campaigns',
    externalFields: ['External_Campaign_ID', 'Legacy_Campaign_ID'],
    nameField: 'Campaign_Name',
    fields: [
      field('Campaign_Name', 'Campaign Name', 'text', '111111000000000701', { length: 120, system_mandatory: true }),
      field('Status', 'Status', 'picklist', '111111000000000703', { pick_list_values: picklistValues(['Planning', 'Active', 'Inactive', 'Complete']) }),
      // The status of a lead or contact in a campaign: sent in each entry of Campaigns ↔ Leads / Contacts.
      field('Member_Status', 'Member Status', 'picklist', '111111000000000705', { pick_list_values: picklistValues(MEMBER_STATUSES) }),
      externalField('External_Campaign_ID', 'External Campaign ID', '111111000000300005'),
      externalField('Legacy_Campaign_ID', 'Legacy Campaign ID', '111111000000300006'),
    ],
  },
  {
    apiName: 'Leads',
    id: '111111000000000063',
    recordsKey: 'leads',
    externalFields: ['External_Lead_ID', 'Legacy_Lead_ID'],
    nameField: 'Last_Name',
    fields: [
      field('First_Name', 'First Name', 'text', '111111000000000751', { length: 40 }),
      field('Last_Name', 'Last Name', 'text', '111111000000000753', { length: 80, system_mandatory: true }),
      field('Company', 'Company', 'text', '111111000000000755', { length: 200 }),
      externalField('External_Lead_ID', 'External Lead ID', '111111000000300007'),
      externalField('Legacy_Lead_ID', 'Legacy Lead ID', '111111000000300008'),
    ],
  },
  {
    apiName: 'Products',
    id: '111111000000000065',
    recordsKey: 'products',
    externalFields: ['External_Product_ID', 'Legacy_Product_ID'],
    nameField: 'Product_Name',
    fields: [
      field('Product_Name', 'Product Name', 'text', '111111000000000801', { length: 120, system_mandatory: true }),
      field('Product_Code', 'Product Code', 'text', '111111000000000803', { length: 40 }),
      field('Unit_Price', 'Unit Price', 'currency', '111111000000000805', { length: 16 }),
      externalField('External_Product_ID', 'External Product ID', '111111000000300009'),
      externalField('Legacy_Product_ID', 'Legacy Product ID', '111111000000300010'),
    ],
  },
  {
    apiName: 'Price_Books',
    id: '111111000000000067',
    recordsKey: 'priceBooks',
    externalFields: ['External_Price_Book_ID', 'Legacy_Price_Book_ID'],
    nameField: 'Price_Book_Name',
    fields: [
      field('Price_Book_Name', 'Price Book Name', 'text', '111111000000000851', { length: 120, system_mandatory: true }),
      field('Pricing_Model', 'Pricing Model', 'picklist', '111111000000000853', { pick_list_values: picklistValues(['Flat', 'Differential']) }),
      externalField('External_Price_Book_ID', 'External Price Book ID', '111111000000300011'),
      externalField('Legacy_Price_Book_ID', 'Legacy Price Book ID', '111111000000300012'),
    ],
  },
  {
    apiName: 'Accounts',
    id: ACCOUNTS_MODULE_ID,
    recordsKey: 'accounts',
    externalFields: ['External_Account_ID', 'Legacy_Account_ID'],
    nameField: 'Account_Name',
    fields: [
      field('Account_Name', 'Account Name', 'text', '111111000000000901', { length: 200, system_mandatory: true }),
      field('Industry', 'Industry', 'picklist', '111111000000000903', { pick_list_values: picklistValues(['Manufacturing', 'Retail', 'Services', 'Technology']) }),
      externalField('External_Account_ID', 'External Account ID', '111111000000300013'),
      externalField('Legacy_Account_ID', 'Legacy Account ID', '111111000000300014'),
    ],
  },
  {
    apiName: 'Appointments__s',
    id: '111111000000000069',
    recordsKey: 'appointments',
    externalFields: ['External_Appointment_ID', 'Legacy_Appointment_ID'],
    nameField: 'Appointment_Name',
    fields: [
      field('Appointment_Name', 'Appointment Name', 'text', '111111000000000951', { length: 120, system_mandatory: true }),
      field('Appointment_Start_Time', 'Appointment Start Time', 'datetime', '111111000000000953', { length: 120 }),
      externalField('External_Appointment_ID', 'External Appointment ID', '111111000000300015'),
      externalField('Legacy_Appointment_ID', 'Legacy Appointment ID', '111111000000300016'),
    ],
  },
  {
    apiName: 'Services__s',
    id: '111111000000000071',
    recordsKey: 'services',
    externalFields: ['External_Service_ID', 'Legacy_Service_ID'],
    nameField: 'Service_Name',
    fields: [
      field('Service_Name', 'Service Name', 'text', '111111000000001001', { length: 120, system_mandatory: true }),
      field('Price', 'Price', 'currency', '111111000000001003', { length: 16 }),
      externalField('External_Service_ID', 'External Service ID', '111111000000300017'),
      externalField('Legacy_Service_ID', 'Legacy Service ID', '111111000000300018'),
    ],
  },
];

export function findModule(name: string): ModuleSpec | undefined {
  return MODULES.find((spec) => spec.apiName === name);
}

/** The module spec of a name known to be valid (a relation's or a related list's module). */
export function moduleSpec(name: ModuleName): ModuleSpec {
  const spec = findModule(name);
  if (spec === undefined) throw new Error(`moduleSpec: expected a known module, got ${name}`);
  return spec;
}

export function findField(module: ModuleSpec, apiName: string): FieldSpec | undefined {
  return module.fields.find((candidate) => candidate.api_name === apiName);
}
