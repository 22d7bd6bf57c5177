/**
 * What `unlink` and `mirror` do to one base record, from the file's pairs for it and its current links
 * as Zoho lists them (docs/contract.md#modes). Pure: the reads are the use case's (plan-links.ts), so
 * the removal guard, the dry-run preview and the real run share this one computation.
 *
 * - unlink: a pair that is linked is delinked (by the related record's Zoho id, as read); one that is
 *   not is `skipped` / NOT_LINKED.
 * - mirror: a pair not linked is added (PUT), one linked with other entry-field values is updated
 *   (PUT), one linked with the same values is `skipped` / UNCHANGED (no call spent); every current
 *   link the file does not name is removed (DELETE).
 *
 * A pair is linked when a current link's related value (the profile's related external field, or the
 * record id) equals the row's related cell exactly. Only the entry fields a row gives a value are
 * compared: an empty cell sends no value (docs/contract.md#profiles), so it cannot differ. Whether
 * Zoho matches external values regardless of case is unknown
 * (docs/zoho.md#unknown-encoding-and-case-of-external-values), so a mirror never removes a link whose
 * value equals a named one but for case: the PUT of the named one may be that very link.
 */
import type { CallEntry, RemovalEntry } from '../../jobs/sync-calls.job.js';
import { OutcomeCodes, type RowOutcome } from '../domain/row-outcome.js';
import type { PlannedEntry } from './grouper.js';

/** One current link of the base record: the related record's id, its related value, its entry fields. */
export interface LinkNow {
  id: string;
  /** The related value as a file names it (external value or id); null when the record has none. */
  related: string | null;
  /** Entry-field values as text (Contact_Role id, Member_Status, list_price), null when empty. */
  fields: Record<string, string | null>;
}

export interface BaseDiff {
  /** Entries to PUT: the pairs to add, then those to update, in input order. */
  put: PlannedEntry[];
  added: number;
  updated: number;
  /** Unlink: the linked pairs, with the related record's id to name in `ids`. */
  delink: CallEntry[];
  /** Mirror: links the file does not name. */
  removals: RemovalEntry[];
  /** Rows settled without a call: UNCHANGED (mirror) or NOT_LINKED (unlink). */
  settled: RowOutcome[];
}

export const UNCHANGED_MESSAGE = 'already linked with the same values: nothing sent';
export const NOT_LINKED_MESSAGE = 'not linked: nothing to remove';

export function diffBase(mode: 'unlink' | 'mirror', entries: readonly PlannedEntry[], links: readonly LinkNow[]): BaseDiff {
  const byRelated = new Map<string, LinkNow>();
  for (const link of links) if (link.related !== null && !byRelated.has(link.related)) byRelated.set(link.related, link);
  const diff: BaseDiff = { put: [], added: 0, updated: 0, delink: [], removals: [], settled: [] };
  const named = new Set<string>();
  for (const entry of entries) {
    const link = byRelated.get(entry.related);
    named.add(entry.related.toLowerCase());
    if (mode === 'unlink') {
      if (link) diff.delink.push({ row: entry.row, related: entry.related, relatedId: link.id });
      else diff.settled.push({ row: entry.row, status: 'skipped', code: OutcomeCodes.NOT_LINKED, message: NOT_LINKED_MESSAGE });
      continue;
    }
    if (!link) {
      diff.put.push(entry);
      diff.added += 1;
    } else if (sameFields(entry.fields, link.fields)) {
      diff.settled.push({ row: entry.row, status: 'skipped', code: OutcomeCodes.UNCHANGED, message: UNCHANGED_MESSAGE, zohoId: link.id });
    } else {
      diff.put.push(entry);
      diff.updated += 1;
    }
  }
  if (mode === 'mirror') {
    const seen = new Set<string>();
    for (const link of links) {
      if ((link.related !== null && named.has(link.related.toLowerCase())) || seen.has(link.id)) continue;
      seen.add(link.id);
      diff.removals.push({ related: link.related ?? '', relatedId: link.id });
    }
  }
  return diff;
}

/** Every value the row gives equals the link's (numbers as numbers: `12.50` is `12.5`). */
function sameFields(wanted: Readonly<Record<string, string | number>>, now: Readonly<Record<string, string | null>>): boolean {
  for (const [name, value] of Object.entries(wanted)) {
    const current = now[name];
    if (current === null || current === undefined) return false;
    if (typeof value === 'number' ? Number(current) !== value : current !== value) return false;
  }
  return true;
}
