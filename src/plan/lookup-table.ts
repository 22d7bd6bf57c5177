/**
 * One lookup table (profile/lookups.ts), read from Zoho for an import: it maps a cell holding a value's
 * name or its id to what Zoho wants sent. Names match case- and space-insensitively ("decision maker",
 * "DecisionMaker", " Decision  Maker " are one name); an id or exact value matches as written. A cell
 * that matches nothing fails with the closest known names, by edit distance, so a typo is fixed at once.
 */

/** One known value: what is sent (a role id, a picklist's actual value) and the name people write. */
export interface LookupEntry {
  value: string;
  label: string;
}

export type LookupResult = { ok: true; value: string } | { ok: false; message: string };

/** Suggestions in a failure message. */
const MAX_SUGGESTIONS = 3;
/** Results kept per table: a file repeats the same few names, and a miss costs an edit distance per known name. */
const MAX_REMEMBERED = 10_000;

/** The form names are compared in: lower case, no whitespace at all. */
export function nameKey(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/\s+/gu, '');
}

export class LookupTable {
  private readonly exact = new Map<string, string>();
  /** name key → the values it names (more than one: ambiguous). */
  private readonly byKey = new Map<string, Set<string>>();
  private readonly remembered = new Map<string, LookupResult>();

  /**
   * `noun` names one value in messages: "contact role". A cell matching `idPattern` is an id: it
   * matches a value exactly or not at all (names that look like it are no help).
   */
  constructor(
    readonly noun: string,
    readonly entries: readonly LookupEntry[],
    private readonly idPattern?: RegExp,
  ) {
    for (const entry of entries) {
      this.exact.set(entry.value, entry.value);
      for (const text of [entry.label, entry.value]) {
        const key = nameKey(text);
        if (key === '') continue;
        let values = this.byKey.get(key);
        if (values === undefined) this.byKey.set(key, (values = new Set()));
        values.add(entry.value);
      }
    }
  }

  /** The value to send for a cell (already trimmed, not empty). */
  resolve(cell: string): LookupResult {
    const known = this.remembered.get(cell);
    if (known !== undefined) return known;
    const result = this.match(cell);
    if (this.remembered.size < MAX_REMEMBERED) this.remembered.set(cell, result);
    return result;
  }

  private match(cell: string): LookupResult {
    const exact = this.exact.get(cell);
    if (exact !== undefined) return { ok: true, value: exact };
    if (this.idPattern?.test(cell)) return { ok: false, message: `${quote(cell)} is not the id of a known ${this.noun}` };
    const values = this.byKey.get(nameKey(cell));
    if (values?.size === 1) return { ok: true, value: values.values().next().value as string };
    if (values !== undefined) {
      const labels = this.entries.filter((entry) => values.has(entry.value)).map((entry) => `'${entry.label}' (${entry.value})`);
      return { ok: false, message: `${quote(cell)} names more than one ${this.noun}: ${labels.join(', ')}; write the id instead` };
    }
    if (this.entries.length === 0) return { ok: false, message: `${quote(cell)} is not a known ${this.noun}: Zoho lists none` };
    return { ok: false, message: `${quote(cell)} is not a known ${this.noun}; closest: ${this.closest(cell).map(quote).join(', ')}` };
  }

  /** The labels nearest to `cell` by edit distance of their name keys, nearest first, table order among equals. */
  private closest(cell: string): string[] {
    const key = nameKey(cell);
    const labels = [...new Set(this.entries.map((entry) => entry.label))];
    return labels
      .map((label, index) => ({ label, index, distance: editDistance(key, nameKey(label)) }))
      .sort((a, b) => a.distance - b.distance || a.index - b.index)
      .slice(0, MAX_SUGGESTIONS)
      .map((candidate) => candidate.label);
  }
}

/** Levenshtein distance (insert, delete, substitute: 1 each), over UTF-16 code units. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitute, (previous[j] as number) + 1, (current[j - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** A cell as a message quotes it, kept short: a cell is not a place to store a file. */
export function quote(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `'${shown}'`;
}
