/**
 * `GET /crm/{version}/settings/fields?module=X` and `…/settings/related_lists?module=X`: the metadata
 * a client reads to check a profile (the SDK fetches the same two: docs/zoho.md#metadata). They need a
 * settings scope.
 */
import { canReadSettings, scopeMismatch } from './crm-auth.js';
import type { CrmCall } from './crm-call.js';
import { errorReply, type Reply } from './http-io.js';
import { findModule, type ModuleSpec } from './modules.js';
import type { AccessToken } from './token-store.js';

export type MetadataResource = 'fields' | 'related_lists';

function relatedListsOf(module: ModuleSpec): unknown[] {
  return module.relatedLists.map((list, index) => {
    const related = findModule(list.relatedModule);
    return {
      id: list.id,
      api_name: list.apiName,
      display_label: list.displayLabel,
      name: list.apiName,
      module: { api_name: list.relatedModule, id: related?.id ?? null },
      href: `${module.apiName}/{ID}/${list.apiName}`,
      type: 'default',
      visible: true,
      sequence_number: String(index + 1),
    };
  });
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
  if (resource === 'fields') return { status: 200, body: { fields: module.fields.map((field) => ({ ...field })) } };
  return { status: 200, body: { related_lists: relatedListsOf(module) } };
}
