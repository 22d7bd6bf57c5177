/**
 * `GET /crm/{version}/settings/fields?module=X` and `…/settings/related_lists?module=X`: the metadata
 * a client reads to check a profile (the SDK fetches the same two, docs/zoho.md#metadata). They need a settings scope.
 *
 * Related lists carry the keys of Zoho's related-list metadata (docs/zoho.md#metadata). A list
 * that follows a lookup field (Accounts' "Contacts", made by Contacts.Account_Name) is marked the way
 * Zoho marks one: `connectedlookupApiName` names that lookup field; lists this API writes have none.
 * The list's `fields` name its columns, the relation's entry field among them.
 */
import { canReadSettings, scopeMismatch } from './crm-auth.js';
import type { CrmCall } from './crm-call.js';
import { errorReply, type Reply } from './http-io.js';
import { findModule, moduleSpec, type FieldSpec, type ModuleSpec } from './modules.js';
import { relatedListsOf, relationSpec, type RelatedListSpec } from './relations.js';
import type { AccessToken } from './token-store.js';

export type MetadataResource = 'fields' | 'related_lists';

/** The list's columns: the related module's name field, then the relation's entry field if any. */
function columnsOf(list: RelatedListSpec): { api_name: string; id: string }[] {
  const related = moduleSpec(list.relatedModule);
  const nameField = related.fields.find((field) => field.api_name === related.nameField);
  const columns = nameField === undefined ? [] : [{ api_name: nameField.api_name, id: nameField.id }];
  const entryField = list.relation === null ? null : relationSpec(list.relation).entryField;
  if (entryField !== null) columns.push({ api_name: entryField.apiName, id: entryField.id });
  return columns;
}

function describeList(module: ModuleSpec, list: RelatedListSpec, index: number): Record<string, unknown> {
  const related = moduleSpec(list.relatedModule);
  const description: Record<string, unknown> = {
    id: list.id,
    sequence_number: String(index + 1),
    display_label: list.displayLabel,
    api_name: list.apiName,
    module: { api_name: related.apiName, id: related.id },
    name: list.apiName,
    action: null,
    href: `${module.apiName}/{ID}/${list.apiName}`,
    type: 'default',
    connectedmodule: null,
    linkingmodule: null,
    customize_sort: true,
    customize_fields: true,
    customize_display_label: true,
    sort_by: null,
    sort_order: null,
    fields: columnsOf(list),
    status: 'visible',
    visible: true,
  };
  if (list.lookupField !== null) description.connectedlookupApiName = list.lookupField;
  return description;
}

function describeField(field: FieldSpec): FieldSpec {
  return structuredClone(field);
}

export function handleMetadata(call: CrmCall, token: AccessToken, resource: MetadataResource): Reply {
  if (call.method !== 'GET') return errorReply(400, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one');
  if (!canReadSettings(token, resource)) return scopeMismatch();
  const moduleName = call.query.get('module');
  if (moduleName === null || moduleName === '') {
    return errorReply(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param_name: 'module' });
  }
  const module = findModule(moduleName);
  if (module === undefined) {
    return errorReply(400, 'INVALID_MODULE', 'the module name given seems to be invalid', { param_name: 'module' });
  }
  if (resource === 'fields') return { status: 200, body: { fields: module.fields.map(describeField) } };
  return { status: 200, body: { related_lists: relatedListsOf(module.apiName).map((list, index) => describeList(module, list, index)) } };
}
