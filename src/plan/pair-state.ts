/**
 * The incremental sync state's pure half (docs/architecture.md#incremental-sync): which target a
 * profile writes to, and the short digests a pair and its entry fields are remembered by. The Redis
 * half is src/ledger/sync-state.ts.
 *
 * A pair is remembered in one of 65,536 buckets of its target, chosen by its base record, as one field
 * of a small hash (listpack-encoded: about 27 bytes of Redis memory per pair at a million pairs,
 * docs/performance.md): field = a 48-bit hash of (base, related), value = the day it was last
 * confirmed by Zoho (3 base-36 digits) and 30 bits of SHA-1 of the entry fields as sent.
 */
import { hash } from 'node:crypto';
import { DATA_CENTRES, type DataCentre } from '../config/data-centres.js';
import type { Profile } from '../profile/profile.js';
import type { FieldValue } from './field-values.js';

/** Buckets per target: 2^16. Up to ~5M pairs per target every bucket stays a listpack (128 entries). */
export const STATE_BUCKETS = 0x10000;

const DAY_MS = 86_400_000;

/** Where links live: the org (data centre, API domain), the related list, and how both sides are named. */
export interface SyncTarget {
  /** 8 hex characters: the target's key in Redis. */
  id: string;
  dc: string;
  apiDomain: string;
  module: string;
  relatedList: string;
  relatedModule: string;
  baseField: string;
  relatedField: string;
}

/**
 * The target a profile syncs to. The API domain is ZOHO_API_DOMAIN, else the data centre's; the
 * external fields are part of it (the same values under other fields are other records).
 */
export function syncTargetOf(zoho: { dc: DataCentre; apiDomain?: string }, profile: Pick<Profile, 'module' | 'relatedList' | 'base' | 'related'>): SyncTarget {
  const described = {
    dc: zoho.dc,
    apiDomain: zoho.apiDomain ?? DATA_CENTRES[zoho.dc].apiDomain,
    module: profile.module,
    relatedList: profile.relatedList,
    relatedModule: profile.related.module ?? profile.relatedList,
    baseField: profile.base.externalField ?? 'id',
    relatedField: profile.related.externalField ?? 'id',
  };
  return { id: hash('sha256', JSON.stringify(described), 'hex').slice(0, 8), ...described };
}

/** The bucket of a base record: 4 hex characters (16 bits). */
export function bucketOf(base: string): string {
  const [h1] = hash64(base, 0x5eed);
  return (h1 & 0xffff).toString(16).padStart(4, '0');
}

/**
 * The pair's field in its bucket: 8 base64url characters (48 bits). A fast non-cryptographic hash: a
 * million pairs are looked up per import, and a collision (about 1 in 10^12 per pair in a bucket of
 * 100) could at worst skip one changed pair until RELSYNC_INCREMENTAL_MAX_AGE_DAYS.
 */
export function pairField(base: string, related: string): string {
  const bytes = Buffer.allocUnsafe(PAIR_FIELD_CHARS);
  writePairField(base, related, bytes, 0);
  return bytes.toString('latin1');
}

/** `pairField` as PAIR_FIELD_CHARS ASCII bytes at `offset` of `into`: a lookup writes all its pairs' fields into one buffer, no string each. */
export function writePairField(base: string, related: string, into: Uint8Array, offset: number): void {
  hashPair(base, related);
  const h1 = hashHigh;
  const h2 = hashLow;
  let at = offset;
  for (let shift = 26; shift >= 2; shift -= 6) into[at++] = BASE64URL_CODES[(h1 >>> shift) & 63]!;
  into[at++] = BASE64URL_CODES[((h1 & 3) << 4) | ((h2 >>> 28) & 15)]!;
  into[at++] = BASE64URL_CODES[(h2 >>> 22) & 63]!;
  into[at] = BASE64URL_CODES[(h2 >>> 16) & 63]!;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL_CODES = Uint8Array.from(BASE64URL, (c) => c.charCodeAt(0));

/** Two 32-bit halves of cyrb53 (a public-domain string hash), over the text's UTF-16 code units. */
function hash64(text: string, seed: number): [number, number] {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

let hashHigh = 0;
let hashLow = 0;

/** `hash64(base + '\u0000' + related, 0)` into hashHigh / hashLow, without building the string or an array. */
function hashPair(base: string, related: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < base.length; i++) {
    const ch = base.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1, 2654435761);
  h2 = Math.imul(h2, 1597334677);
  for (let i = 0; i < related.length; i++) {
    const ch = related.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  hashHigh = h1 >>> 0;
  hashLow = h2 >>> 0;
}

/** The entry fields as sent (name order ignored; `12` and `'12'` differ): 5 base64url characters. */
export function fieldsDigest(fields: Readonly<Record<string, FieldValue>> | undefined): string {
  const entries = fields === undefined ? [] : Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return hash('sha1', JSON.stringify(entries), 'base64url').slice(0, 5);
}

/** Days since 1970-01-01 (UTC) of an epoch-ms time. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** What a pair's field holds: the day Zoho confirmed it, then its fields' digest. */
export function stateValue(digest: string, day: number): string {
  return day.toString(36).padStart(3, '0') + digest;
}

/** The day a stored value was confirmed. */
export function confirmedDay(value: string): number {
  return parseInt(value.slice(0, 3), 36);
}

export type PairVerdict = 'new' | 'changed' | 'unchanged' | 'expired';

/** Characters of a pair's field (`pairField`) and of a fields digest (`fieldsDigest`): fixed, so many can be sent as one string. */
export const PAIR_FIELD_CHARS = 8;
export const DIGEST_CHARS = 5;

/** What the state says of a pair against the fields it is sent with: not held, held with other fields, or the day it was confirmed with these. */
export const NOT_HELD = -1;
export const OTHER_FIELDS = -2;

/**
 * Whether a pair must be sent: `unchanged` only when it is held with the same fields and was confirmed
 * fewer than `maxAgeDays` days before `today` (so a link removed in Zoho by hand comes back).
 */
export function judgePair(stored: string | null | undefined, digest: string, today: number, maxAgeDays: number): PairVerdict {
  if (stored === null || stored === undefined) return judgeConfirmation(NOT_HELD, today, maxAgeDays);
  return judgeConfirmation(stored.slice(3) === digest ? confirmedDay(stored) : OTHER_FIELDS, today, maxAgeDays);
}

/** `judgePair` of what `SyncStateStore.confirmations` found: NOT_HELD, OTHER_FIELDS or the day confirmed. */
export function judgeConfirmation(confirmed: number, today: number, maxAgeDays: number): PairVerdict {
  if (confirmed === NOT_HELD) return 'new';
  if (confirmed === OTHER_FIELDS) return 'changed';
  return today - confirmed >= maxAgeDays ? 'expired' : 'unchanged';
}
