/**
 * The shapes of the simulated org's records and links, as `GET /__sim/dataset` exports them and
 * `--dataset` reads them.
 */
import type { RelationId } from './relations.js';

/** A record of any module: its id and its field values (text; a lookup holds the target's id). */
export interface ModuleRecord {
  /** Zoho record id: an 18-digit string (ids exceed 2^53, so they never travel as JSON numbers). */
  id: string;
  [field: string]: string | undefined;
}

export interface ContactRecord extends ModuleRecord {
  External_Contact_ID: string;
  Billing_Contact_ID?: string;
  First_Name?: string;
  Last_Name?: string;
  Email?: string;
  /** Lookup: the id of the contact's account. */
  Account_Name?: string;
}

export interface DealRecord extends ModuleRecord {
  External_Deal_ID: string;
  Legacy_Deal_ID?: string;
  Deal_Name?: string;
  Stage?: string;
}

/** A Contact Role definition (`GET /crm/v8/Contacts/roles`); `Contact_Role` in a PUT carries its id. */
export interface ContactRole {
  id: string;
  name: string;
  sequence_number: number;
}

/** One Contacts↔Deals association; `contactRoleId` is null when none was ever sent. */
export interface Association {
  contactId: string;
  dealId: string;
  contactRoleId: string | null;
}

/** The value of a relation's entry field: a Contact Role id, a Member_Status text or a list_price. */
export type EntryValue = string | number;

/**
 * One link of any relation (Contacts↔Deals included): `ids` in the order of the relation's modules
 * (`Campaigns-Leads`: [campaign id, lead id]); `value` is the entry field's, null when none was sent.
 */
export interface Link {
  relation: RelationId;
  ids: [string, string];
  value: EntryValue | null;
}

/** The records of the modules beyond Contacts and Deals, by `ModuleSpec.recordsKey`. */
export interface OtherModuleRecords {
  campaigns: ModuleRecord[];
  leads: ModuleRecord[];
  products: ModuleRecord[];
  priceBooks: ModuleRecord[];
  accounts: ModuleRecord[];
  appointments: ModuleRecord[];
  services: ModuleRecord[];
}

export interface SimulatorDataset extends OtherModuleRecords {
  /** The seed it was generated from; null for a dataset read from a file. */
  seed: number | null;
  contacts: ContactRecord[];
  deals: DealRecord[];
  contactRoles: ContactRole[];
  /** Contacts↔Deals associations present at start (empty for a generated dataset). */
  associations: Association[];
  /** Links of the other relations present at start (empty for a generated dataset). */
  links: Link[];
}
