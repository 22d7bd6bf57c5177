/**
 * In-memory state of the simulated org: record lookups by id and by each external field (exact,
 * case-sensitive match: docs/zoho.md#unknown-encoding-and-case-of-external-values), and the links of every relation, keyed by (relation, ids).
 */
import type { EntryValue, Link, ModuleRecord, SimulatorDataset } from './dataset-types.js';
import { MODULES, type ModuleName } from './modules.js';
import type { RelationId } from './relations.js';

interface ModuleIndex {
  byId: Map<string, ModuleRecord>;
  /** external field -> external value -> record id */
  byExternal: Map<string, Map<string, string>>;
}

function indexOf(records: readonly ModuleRecord[], externalFields: readonly string[]): ModuleIndex {
  const index: ModuleIndex = { byId: new Map(), byExternal: new Map(externalFields.map((name) => [name, new Map()])) };
  for (const record of records) {
    index.byId.set(record.id, record);
    for (const [name, values] of index.byExternal) {
      const value = record[name];
      if (value !== undefined && value !== '') values.set(value, record.id);
    }
  }
  return index;
}

export class RecordIndex {
  private readonly modules = new Map<ModuleName, ModuleIndex>();
  private readonly roles: Set<string>;

  constructor(dataset: SimulatorDataset) {
    for (const module of MODULES) this.modules.set(module.apiName, indexOf(dataset[module.recordsKey], module.externalFields));
    this.roles = new Set(dataset.contactRoles.map((role) => role.id));
  }

  private index(module: ModuleName): ModuleIndex {
    const found = this.modules.get(module);
    if (found === undefined) throw new Error(`RecordIndex: no module ${module}`);
    return found;
  }

  /** The record id, or undefined when no record of `module` has this id. */
  findById(module: ModuleName, id: string): string | undefined {
    return this.index(module).byId.get(id)?.id;
  }

  /** The id of the record whose external field `field` equals `value` exactly. */
  findByExternal(module: ModuleName, field: string, value: string): string | undefined {
    return this.index(module).byExternal.get(field)?.get(value);
  }

  /** The record itself (do not mutate). */
  record(module: ModuleName, id: string): ModuleRecord | undefined {
    return this.index(module).byId.get(id);
  }

  /** The records of `module` whose field `field` holds `value`, in dataset order (a lookup's reverse). */
  withFieldValue(module: ModuleName, field: string, value: string): ModuleRecord[] {
    return [...this.index(module).byId.values()].filter((record) => record[field] === value);
  }

  isContactRole(id: string): boolean {
    return this.roles.has(id);
  }
}

export type UpsertResult = 'added' | 'updated';

const pairKey = (relation: RelationId, ids: readonly [string, string]): string => `${relation}|${ids[0]}|${ids[1]}`;
const endKey = (relation: RelationId, side: 0 | 1, id: string): string => `${relation}|${side}|${id}`;

/** The links of every relation, in the order they were first made, indexed by each end. */
export class LinkStore {
  private readonly byPair = new Map<string, Link>();
  private readonly byEnd = new Map<string, Set<string>>();
  private readonly counts = new Map<RelationId, number>();

  constructor(initial: readonly Link[] = []) {
    this.replaceAll(initial);
  }

  /**
   * Adds the link or updates it. `value` undefined leaves an existing entry field alone (a PUT changes
   * only the fields it sends); null clears it.
   */
  upsert(relation: RelationId, ids: [string, string], value: EntryValue | null | undefined): UpsertResult {
    const existing = this.byPair.get(pairKey(relation, ids));
    if (existing !== undefined) {
      if (value !== undefined) existing.value = value;
      return 'updated';
    }
    this.insert({ relation, ids: [ids[0], ids[1]], value: value ?? null });
    return 'added';
  }

  get(relation: RelationId, ids: readonly [string, string]): Link | undefined {
    const found = this.byPair.get(pairKey(relation, ids));
    return found === undefined ? undefined : copy(found);
  }

  /** Removes the link; false when there was none. */
  remove(relation: RelationId, ids: readonly [string, string]): boolean {
    const key = pairKey(relation, ids);
    if (!this.byPair.delete(key)) return false;
    this.counts.set(relation, (this.counts.get(relation) ?? 1) - 1);
    this.byEnd.get(endKey(relation, 0, ids[0]))?.delete(key);
    this.byEnd.get(endKey(relation, 1, ids[1]))?.delete(key);
    return true;
  }

  /** Links of `relation` whose end `side` is `id`, oldest first (copies). */
  linksOf(relation: RelationId, side: 0 | 1, id: string): Link[] {
    const keys = this.byEnd.get(endKey(relation, side, id)) ?? new Set<string>();
    return [...keys].flatMap((key) => {
      const link = this.byPair.get(key);
      return link === undefined ? [] : [copy(link)];
    });
  }

  /** Copies, oldest first; only `relation`'s when given. */
  list(relation?: RelationId): Link[] {
    return [...this.byPair.values()].filter((link) => relation === undefined || link.relation === relation).map(copy);
  }

  count(relation?: RelationId): number {
    return relation === undefined ? this.byPair.size : (this.counts.get(relation) ?? 0);
  }

  replaceAll(links: readonly Link[]): void {
    this.byPair.clear();
    this.byEnd.clear();
    this.counts.clear();
    for (const link of links) this.insert(copy(link));
  }

  private insert(link: Link): void {
    const key = pairKey(link.relation, link.ids);
    this.byPair.set(key, link);
    this.counts.set(link.relation, (this.counts.get(link.relation) ?? 0) + 1);
    for (const side of [0, 1] as const) {
      const end = endKey(link.relation, side, link.ids[side]);
      let keys = this.byEnd.get(end);
      if (keys === undefined) this.byEnd.set(end, (keys = new Set()));
      keys.add(key);
    }
  }
}

function copy(link: Link): Link {
  return { relation: link.relation, ids: [link.ids[0], link.ids[1]], value: link.value };
}
