/**
 * Relation field values repeat from row to row (the same few roles a million times), so each distinct
 * set of values is stored once and a row keeps only its 4-byte id. A value is text or a number
 * (`list_price`); `12` and `'12'` are different sets.
 */
import type { FieldValue } from './field-values.js';

export type FieldValues = Readonly<Record<string, FieldValue>>;

/**
 * Past this many distinct sets, new ones are kept per row as their key string instead: a field with a
 * unique value per row would otherwise cost a map entry and an object per row on top of the string.
 */
export const MAX_SHARED_FIELD_SETS = 65_536;

const NO_FIELDS: FieldValues = Object.freeze({});

export class FieldSetTable {
  private readonly ids = new Map<string, number>();
  private readonly singles = new Map<string, Map<FieldValue, number>>();
  private readonly shared: FieldValues[] = [NO_FIELDS];
  private readonly unshared: string[] = [];

  /** `maxShared` is for tests; ids from `maxShared` on are unshared sets. */
  constructor(private readonly maxShared = MAX_SHARED_FIELD_SETS) {}

  /** The id of this set of (field, value) pairs; the same pairs in the same order give the same id. */
  intern(fields: ReadonlyArray<readonly [string, FieldValue]>): number {
    if (fields.length === 0) return 0;
    if (fields.length === 1) return this.internOne(fields[0] as readonly [string, FieldValue]);
    return this.internKey(keyOf(fields), fields);
  }

  /** One field is the common case (a role): two map lookups, no key string built per row. */
  private internOne(pair: readonly [string, FieldValue]): number {
    const [name, value] = pair;
    let byValue = this.singles.get(name);
    if (byValue === undefined) this.singles.set(name, (byValue = new Map()));
    let id = byValue.get(value);
    if (id === undefined) {
      id = this.internKey(keyOf([pair]), [pair]);
      if (id < this.maxShared) byValue.set(value, id);
    }
    return id;
  }

  private internKey(key: string, fields: ReadonlyArray<readonly [string, FieldValue]>): number {
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    if (this.shared.length < this.maxShared) {
      this.ids.set(key, this.shared.length);
      this.shared.push(Object.freeze(Object.fromEntries(fields)));
      return this.shared.length - 1;
    }
    this.unshared.push(key);
    return this.maxShared + this.unshared.length - 1;
  }

  /** The values for an id. Frozen and shared between rows: read, never modify. */
  get(id: number): FieldValues {
    if (id < this.maxShared) return this.shared[id] as FieldValues;
    return Object.freeze(Object.fromEntries(pairsOf(this.unshared[id - this.maxShared] as string)));
  }

  /** Frees the lookup map once no more sets will be added; ids stay readable. */
  seal(): void {
    this.ids.clear();
    this.singles.clear();
  }
}

/**
 * Length-prefixed, so no name or value content can make two different sets collide; a number's
 * length ends in `#` instead of `:`, so `12` and `'12'` differ too.
 */
function keyOf(fields: ReadonlyArray<readonly [string, FieldValue]>): string {
  let key = '';
  for (const [name, value] of fields) {
    const text = String(value);
    key += `${name.length}:${name}${text.length}${typeof value === 'number' ? '#' : ':'}${text}`;
  }
  return key;
}

function pairsOf(key: string): Array<[string, FieldValue]> {
  const pairs: Array<[string, FieldValue]> = [];
  let pos = 0;
  const next = (): FieldValue => {
    let mark = pos;
    while (key[mark] !== ':' && key[mark] !== '#') mark++;
    const length = Number(key.slice(pos, mark));
    const text = key.slice(mark + 1, mark + 1 + length);
    const isNumber = key[mark] === '#';
    pos = mark + 1 + length;
    return isNumber ? Number(text) : text;
  };
  while (pos < key.length) {
    const name = next() as string;
    pairs.push([name, next()]);
  }
  return pairs;
}
