/**
 * Who is calling, and may they? `Authorization: Zoho-oauthtoken <token>` (docs/zoho.md#endpoint-and-headers): no usable header is
 * 401 AUTHENTICATION_FAILURE, an unknown, expired or evicted token 401 INVALID_TOKEN (docs/zoho.md#whole-request-errors), a token
 * without the scope 401 OAUTH_SCOPE_MISMATCH, a module in `denyModules` 403 NO_PERMISSION.
 */
import { errorReply, type Reply } from './http-io.js';
import type { SimulatorState } from './simulator-state.js';
import { now } from './simulator-state.js';
import type { AccessToken } from './token-store.js';

export type AuthResult = { ok: true; token: AccessToken } | { ok: false; reply: Reply };

/** The scheme is matched case-insensitively (RFC 9110 §11.1); `Bearer` is not Zoho's scheme. */
const AUTH_HEADER = /^Zoho-oauthtoken +(\S+)\s*$/i;

export function authenticate(state: SimulatorState, header: string | undefined): AuthResult {
  const match = header === undefined ? null : AUTH_HEADER.exec(header);
  const value = match?.[1];
  if (value === undefined) {
    return { ok: false, reply: errorReply(401, 'AUTHENTICATION_FAILURE', 'Authentication failed') };
  }
  const found = state.tokens.lookup(value, now(state));
  if (found.kind !== 'valid') return { ok: false, reply: errorReply(401, 'INVALID_TOKEN', 'invalid oauth token') };
  return { ok: true, token: found.token };
}

function hasAnyScope(granted: readonly string[], accepted: readonly string[]): boolean {
  const lower = new Set(granted.map((scope) => scope.toLowerCase()));
  return accepted.some((scope) => lower.has(scope.toLowerCase()));
}

/** What a call does to a module's records, for the scope and the permission it needs. */
export type ModuleOperation = 'read' | 'update' | 'delete';

/** The operation types that grant each operation, beside `ALL` (docs/zoho.md, "Scopes"). */
const OPERATION_TYPES: Readonly<Record<ModuleOperation, readonly string[]>> = {
  read: ['READ', 'WRITE'],
  update: ['WRITE', 'UPDATE'],
  delete: ['WRITE', 'DELETE'],
};

/** `ZohoCRM.modules.ALL` or `ZohoCRM.modules.{module}.{ALL|<operation types>}`, case-insensitive (docs/zoho.md#endpoint-and-headers). */
export function canUseModule(token: AccessToken, module: string, operation: ModuleOperation): boolean {
  const types = ['ALL', ...OPERATION_TYPES[operation]];
  return hasAnyScope(token.scopes, ['ZohoCRM.modules.ALL', ...types.map((type) => `ZohoCRM.modules.${module}.${type}`)]);
}

/** `ZohoCRM.settings.ALL` or `ZohoCRM.settings.{resource}.{ALL|READ}` (fields, related_lists). */
export function canReadSettings(token: AccessToken, resource: string): boolean {
  return hasAnyScope(token.scopes, ['ZohoCRM.settings.ALL', `ZohoCRM.settings.${resource}.ALL`, `ZohoCRM.settings.${resource}.READ`]);
}

export function scopeMismatch(): Reply {
  return errorReply(401, 'OAUTH_SCOPE_MISMATCH', 'invalid oauth scope to access this URL');
}

const PERMISSION_PREFIX: Readonly<Record<ModuleOperation, string>> = { read: 'Crm_Implied_View_', update: 'Crm_Implied_Edit_', delete: 'Crm_Implied_Edit_' };

/** 403 NO_PERMISSION when any of these modules is in `denyModules`, else null. */
export function denyPermission(state: SimulatorState, modules: readonly string[], operation: ModuleOperation = 'update'): Reply | null {
  const denied = modules.find((module) => state.options.denyModules.includes(module));
  if (denied === undefined) return null;
  return errorReply(403, 'NO_PERMISSION', 'permission denied', { permissions: [`${PERMISSION_PREFIX[operation]}${denied}`] });
}
