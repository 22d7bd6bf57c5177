/**
 * `GET /crm/{version}/Contacts/roles[/{id}]`: the Contact Role definitions (docs/zoho.md#contact-roles),
 * `{"contact_roles":[{ id, name, sequence_number }]}` in sequence order, 204 when there is none.
 * `Contact_Role` in a PUT on Contacts → Deals carries one of these ids. Zoho serves it with the Contacts
 * module's scope (`ZohoCRM.modules.ALL` or `ZohoCRM.modules.contacts.{ALL|READ}`). Creating, renaming
 * and deleting roles (POST, PUT, DELETE) are not modelled: the simulator's roles are its dataset's.
 */
import { canUseModule, denyPermission, scopeMismatch } from './crm-auth.js';
import type { CrmCall } from './crm-call.js';
import { errorReply, noContent, type Reply } from './http-io.js';
import type { SimulatorState } from './simulator-state.js';
import type { AccessToken } from './token-store.js';

export function handleContactRoles(state: SimulatorState, call: CrmCall, token: AccessToken, id: string | null): Reply {
  if (call.method !== 'GET') return errorReply(400, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one');
  if (!canUseModule(token, 'Contacts', 'read')) return scopeMismatch();
  const denied = denyPermission(state, ['Contacts'], 'read');
  if (denied !== null) return denied;
  const roles = [...state.dataset.contactRoles].sort((a, b) => a.sequence_number - b.sequence_number);
  const shown = id === null ? roles : roles.filter((role) => role.id === id);
  if (shown.length === 0) return noContent();
  return { status: 200, body: { contact_roles: shown.map((role) => ({ id: role.id, name: role.name, sequence_number: role.sequence_number })) } };
}
