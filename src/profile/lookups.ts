/**
 * Lookups: relation field values given by name. A profile field `{ "column": "…", "lookup": "<name>" }`
 * lets a cell hold a value's human name (case- and space-insensitive) where Zoho wants its id or its
 * exact text; ingest sends what the table maps it to, and a name the table does not know is that row's
 * LOOKUP_FAILED before any call (docs/contract.md#lookups).
 *
 * Each lookup is a named table with one source in Zoho; adding one is a line here and, for a new kind
 * of source, one read in the Zoho edge. The tables themselves are read per import (usecases/lookup-tables.ts).
 */

/** Every lookup a profile may name. */
export const LOOKUP_NAMES = ['contact-roles', 'member-status'] as const;
export type LookupName = (typeof LOOKUP_NAMES)[number];

/** Where a table comes from in Zoho. */
export type LookupSource =
  /** `GET /crm/{v}/Contacts/roles`: each role's `name` maps to its `id`. */
  | { kind: 'contact-roles' }
  /** A picklist's `pick_list_values` in `GET /crm/{v}/settings/fields?module=X`: `display_value` and `actual_value` map to `actual_value`. */
  | { kind: 'picklist'; module: string; field: string };

export interface LookupDefinition {
  /** How a message names one value: "contact role". */
  noun: string;
  /**
   * Cells of this form are ids: sent as they are, without reading the table (Zoho judges an id, as it
   * did before lookups existed). Absent: every non-empty cell is a name.
   */
  idPattern?: RegExp;
  source: LookupSource;
  /** The Zoho scope that lets a refresh token read the source, for the line that says what to add. */
  scope: string;
}

export const LOOKUPS: Readonly<Record<LookupName, LookupDefinition>> = {
  // Role ids are long digit strings (111111000000026002); names are words ("Decision Maker").
  'contact-roles': { noun: 'contact role', idPattern: /^\d+$/, source: { kind: 'contact-roles' }, scope: 'ZohoCRM.modules.contacts.READ (or ZohoCRM.modules.ALL)' },
  // Zoho keeps a campaign member's status on the Campaigns module's Member_Status picklist.
  'member-status': { noun: 'member status', source: { kind: 'picklist', module: 'Campaigns', field: 'Member_Status' }, scope: 'ZohoCRM.settings.fields.READ' },
};

export function isLookupName(value: unknown): value is LookupName {
  return (LOOKUP_NAMES as readonly unknown[]).includes(value);
}

/** How a source is read, in words: "GET /crm/v8/Contacts/roles". */
export function describeSource(source: LookupSource, apiVersion: string): string {
  return source.kind === 'contact-roles'
    ? `GET /crm/${apiVersion}/Contacts/roles`
    : `the ${source.field} picklist of ${source.module} (GET /crm/${apiVersion}/settings/fields?module=${source.module})`;
}
