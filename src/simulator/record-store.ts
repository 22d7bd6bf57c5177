/**
 * In-memory state of the simulated org: record lookups by id and by external value (exact,
 * case-sensitive match: docs/zoho.md#unknown-encoding-and-case-of-external-values), and the
 * Contacts↔Deals associations keyed by (contact, deal).
 */
import type { Association, SimulatorDataset } from './dataset.js';
import type { ModuleName } from './modules.js';

interface ModuleIndex {
  byId: Map<string, string>;
  /** external value -> record id */
  byExternal: Map<string, string>;
}

function indexOf<T extends { id: string }>(records: readonly T[], externalOf: (record: T) => string): ModuleIndex {
  const index: ModuleIndex = { byId: new Map(), byExternal: new Map() };
  for (const record of records) {
    index.byId.set(record.id, record.id);
    index.byExternal.set(externalOf(record), record.id);
  }
  return index;
}

export class RecordIndex {
  private readonly modules: Record<ModuleName, ModuleIndex>;
  private readonly roles: Set<string>;

  constructor(dataset: SimulatorDataset) {
    this.modules = {
      Contacts: indexOf(dataset.contacts, (c) => c.External_Contact_ID),
      Deals: indexOf(dataset.deals, (d) => d.External_Deal_ID),
    };
    this.roles = new Set(dataset.contactRoles.map((role) => role.id));
  }

  /** The record id, or undefined when no record of `module` has this id. */
  findById(module: ModuleName, id: string): string | undefined {
    return this.modules[module].byId.get(id);
  }

  /** The record id of the record whose external field equals `value` exactly. */
  findByExternal(module: ModuleName, value: string): string | undefined {
    return this.modules[module].byExternal.get(value);
  }

  isContactRole(id: string): boolean {
    return this.roles.has(id);
  }
}

export type UpsertResult = 'added' | 'updated';

export class AssociationStore {
  private readonly byPair = new Map<string, Association>();

  constructor(initial: readonly Association[] = []) {
    for (const association of initial) this.byPair.set(AssociationStore.key(association.contactId, association.dealId), { ...association });
  }

  private static key(contactId: string, dealId: string): string {
    return `${contactId}:${dealId}`;
  }

  /**
   * Adds the pair or updates it. `contactRoleId` undefined leaves an existing role alone (a PUT
   * changes only the fields it sends); null clears it.
   */
  upsert(contactId: string, dealId: string, contactRoleId: string | null | undefined): UpsertResult {
    const key = AssociationStore.key(contactId, dealId);
    const existing = this.byPair.get(key);
    if (existing !== undefined) {
      if (contactRoleId !== undefined) existing.contactRoleId = contactRoleId;
      return 'updated';
    }
    this.byPair.set(key, { contactId, dealId, contactRoleId: contactRoleId ?? null });
    return 'added';
  }

  get(contactId: string, dealId: string): Association | undefined {
    const found = this.byPair.get(AssociationStore.key(contactId, dealId));
    return found === undefined ? undefined : { ...found };
  }

  /** Copies, in the order the pairs were first associated. */
  list(): Association[] {
    return [...this.byPair.values()].map((association) => ({ ...association }));
  }

  get size(): number {
    return this.byPair.size;
  }

  replaceAll(associations: readonly Association[]): void {
    this.byPair.clear();
    for (const association of associations) this.byPair.set(AssociationStore.key(association.contactId, association.dealId), { ...association });
  }
}
