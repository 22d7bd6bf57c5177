/**
 * Groups valid rows per base record into calls of at most 100 entries, keeping only the last row of a
 * (base, related) pair. A million-row file must group in a bounded heap, so rows are stored packed
 * (see packed-store.ts) and call objects are only built while the calls are iterated.
 */
import { MAX_ENTRIES_PER_CALL, type CallEntry, type SyncCall } from '../../jobs/sync-calls.job.js';
import { OutcomeCodes, type RowOutcome } from '../domain/row-outcome.js';
import type { Profile } from '../profile/profile.js';
import { FieldSetTable, type FieldValues } from './field-set-table.js';
import type { FieldValue } from './field-values.js';
import { StringArena, Uint32Column } from './packed-store.js';

/** Rows of one base up to which duplicates are found by comparing every pair (at most 120 byte compares). */
const SMALL_GROUP = 16;

/** An entry as planned: `fields` always there (shared between entries and frozen, maybe empty). */
export type PlannedEntry = Required<Omit<CallEntry, 'relatedId'>>;

/** A call as planned, before ingest packs calls into jobs. */
export interface PlannedCall extends SyncCall {
  /** 0-based position in emission order; the same file always gives the same numbering. */
  seq: number;
  /** In input order. */
  entries: PlannedEntry[];
}

export interface GroupPlan {
  /** Base records in order of first appearance, each in calls of at most maxEntriesPerCall. Re-iterable. */
  calls: Iterable<PlannedCall>;
  /** Rows not sent because a later row has the same pair: status skipped, code DUPLICATE_PAIR, by row. */
  superseded: RowOutcome[];
  baseRecords: number;
  callCount: number;
}

export interface GrouperOptions {
  /** Entries per call, 1 to 100. Default 100. */
  maxEntriesPerCall?: number;
  /** How a superseded row's message names the pair: "(same contact and deal)". See pairNameOf. */
  pairName?: string;
}

export class Grouper {
  private readonly maxEntries: number;
  private readonly pairName: string;
  private readonly baseIds = new Map<string, number>();
  /** Base ids by group, off the JS heap: a 200k-base file kept ~8 MB of strings alive while enqueueing. */
  private readonly bases = new StringArena();
  // One slot per added row, in add order (= input order); index i is the same row in every column.
  private readonly rows = new Uint32Column();
  private readonly groupOf = new Uint32Column();
  private readonly fieldIds = new Uint32Column();
  private readonly related = new StringArena();
  private readonly fieldSets = new FieldSetTable();
  private plan: GroupPlan | undefined;

  constructor(options: GrouperOptions = {}) {
    const max = options.maxEntriesPerCall ?? MAX_ENTRIES_PER_CALL;
    if (!Number.isInteger(max) || max < 1 || max > MAX_ENTRIES_PER_CALL) {
      throw new RangeError(`maxEntriesPerCall: expected an integer 1-${MAX_ENTRIES_PER_CALL}, got ${String(max)}`);
    }
    this.maxEntries = max;
    this.pairName = options.pairName ?? 'base and related record';
  }

  /** Rows must come in input order (increasing row numbers): "last row wins" depends on it. */
  add(row: number, base: string, related: string, fields: Array<[string, FieldValue]>): void {
    if (this.plan !== undefined) throw new Error('Grouper.add after finish');
    const previous = this.rows.length === 0 ? 0 : this.rows.at(this.rows.length - 1);
    if (!Number.isInteger(row) || row <= previous || row > 0xffffffff) {
      throw new RangeError(`row: expected an integer greater than ${previous} (rows in input order), got ${row}`);
    }
    let group = this.baseIds.get(base);
    if (group === undefined) {
      group = this.bases.length;
      this.baseIds.set(base, group);
      this.bases.push(base);
    }
    this.rows.push(row);
    this.groupOf.push(group);
    this.fieldIds.push(this.fieldSets.intern(fields));
    this.related.push(related);
  }

  /** Ends adding; later calls return the same plan. */
  finish(): GroupPlan {
    if (this.plan !== undefined) return this.plan;
    this.baseIds.clear();
    this.fieldSets.seal();
    const { order, starts } = this.orderByGroup();
    const { sent, superseded, callCount } = this.dropSuperseded(order, starts);
    const calls = { [Symbol.iterator]: () => this.emit(order, starts, sent) };
    this.plan = { calls, superseded, baseRecords: this.bases.length, callCount };
    return this.plan;
  }

  /** Row indexes sorted by group, input order kept within a group (a counting sort: O(rows)). */
  private orderByGroup(): { order: Uint32Array; starts: Uint32Array } {
    const groupOf = this.groupOf.view();
    const starts = new Uint32Array(this.bases.length + 1);
    for (const group of groupOf) starts[group + 1] = (starts[group + 1] as number) + 1;
    for (let g = 1; g < starts.length; g++) starts[g] = (starts[g] as number) + (starts[g - 1] as number);
    const next = starts.slice(0, -1);
    const order = new Uint32Array(groupOf.length);
    for (let i = 0; i < groupOf.length; i++) {
      const group = groupOf[i] as number;
      const at = next[group] as number;
      order[at] = i;
      next[group] = at + 1;
    }
    this.groupOf.clear();
    return { order, starts };
  }

  /**
   * Marks the rows that are sent. Both rows of a pair share the base, so duplicates are found within
   * one group at a time and no map over all pairs is ever held.
   */
  private dropSuperseded(order: Uint32Array, starts: Uint32Array) {
    const sent = new Uint8Array(order.length).fill(1);
    const superseded: RowOutcome[] = [];
    let callCount = 0;
    for (let g = 0; g + 1 < starts.length; g++) {
      const start = starts[g] as number;
      const end = starts[g + 1] as number;
      const dropped = end - start > 1 ? this.dropInGroup(order.subarray(start, end), sent, superseded) : 0;
      callCount += Math.ceil((end - start - dropped) / this.maxEntries);
    }
    superseded.sort((a, b) => a.row - b.row);
    return { sent, superseded, callCount };
  }

  /**
   * Within one base's rows (in input order): every row but the last of its related id is dropped.
   * A base has a handful of rows as a rule: those are compared as bytes in place (no string decoded,
   * no map per base: 200k bases made 1M strings and 200k maps here); a big group gets a map.
   */
  private dropInGroup(indexes: Uint32Array, sent: Uint8Array, superseded: RowOutcome[]): number {
    if (indexes.length > SMALL_GROUP) return this.dropInBigGroup(indexes, sent, superseded);
    let dropped = 0;
    for (let k = 0; k < indexes.length - 1; k++) {
      const index = indexes[k] as number;
      let last = indexes.length - 1;
      while (last > k && !this.related.equals(index, indexes[last] as number)) last--;
      if (last === k) continue;
      sent[index] = 0;
      superseded.push(this.supersededOutcome(index, indexes[last] as number));
      dropped++;
    }
    return dropped;
  }

  private dropInBigGroup(indexes: Uint32Array, sent: Uint8Array, superseded: RowOutcome[]): number {
    const ids = Array.from(indexes, (index) => this.related.at(index));
    const lastAt = new Map<string, number>();
    ids.forEach((id, k) => lastAt.set(id, k));
    if (lastAt.size === ids.length) return 0;
    let dropped = 0;
    ids.forEach((id, k) => {
      const last = lastAt.get(id) as number;
      if (last === k) return;
      sent[indexes[k] as number] = 0;
      superseded.push(this.supersededOutcome(indexes[k] as number, indexes[last] as number));
      dropped++;
    });
    return dropped;
  }

  private supersededOutcome(index: number, by: number): RowOutcome {
    return {
      row: this.rows.at(index),
      status: 'skipped',
      code: OutcomeCodes.DUPLICATE_PAIR,
      message: `superseded by row ${this.rows.at(by)} (same ${this.pairName})`,
    };
  }

  private *emit(order: Uint32Array, starts: Uint32Array, sent: Uint8Array): Generator<PlannedCall> {
    let seq = 0;
    for (let g = 0; g + 1 < starts.length; g++) {
      const base = this.bases.at(g);
      let entries: PlannedEntry[] = [];
      for (let k = starts[g] as number; k < (starts[g + 1] as number); k++) {
        const index = order[k] as number;
        if (sent[index] === 0) continue;
        entries.push(this.entryAt(index));
        if (entries.length === this.maxEntries) {
          yield { base, seq: seq++, entries };
          entries = [];
        }
      }
      if (entries.length > 0) yield { base, seq: seq++, entries };
    }
  }

  private entryAt(index: number): PlannedEntry {
    const fields: FieldValues = this.fieldSets.get(this.fieldIds.at(index));
    return { row: this.rows.at(index), related: this.related.at(index), fields: fields as Record<string, FieldValue> };
  }
}

/** "contact and deal" for Contacts -> Deals: how messages name a (base, related) pair. */
export function pairNameOf(profile: Profile): string {
  return `${recordName(profile.module)} and ${recordName(profile.related.module ?? profile.relatedList)}`;
}

/** A module's API name as one record of it, in words: Price_Books -> "price book". */
function recordName(moduleApiName: string): string {
  const words = moduleApiName.replace(/_/g, ' ').toLowerCase();
  if (words.endsWith('ies')) return `${words.slice(0, -3)}y`;
  if (words.endsWith('s') && !words.endsWith('ss')) return words.slice(0, -1);
  return words;
}
