/**
 * The incremental sync state's pure half (docs/architecture.md#incremental-sync): which target a
 * profile writes to, and the short digests a pair and its entry fields are remembered by. The Redis
 * half is src/ledger/sync-state.ts.
 *
 * A pair is remembered in one of 65,536 buckets of its target, chosen by its base record, as one field
 * of a small hash (listpack-encoded: about 28 bytes of Redis memory per pair at a million pairs,
 * docs/performance.md): field = 48 bits of SHA-1 of (base, related), value = the day it was last
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

/** The bucket of a base record: 4 hex characters. */
export function bucketOf(base: string): string {
  return hash('sha1', base, 'hex').slice(0, 4);
}

/** The pair's field in its bucket: 8 base64url characters (48 bits). */
export function pairField(base: string, related: string): string {
  return hash('sha1', `${base}\u0000${related}`, 'base64url').slice(0, 8);
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

/**
 * Whether a pair must be sent: `unchanged` only when it is held with the same fields and was confirmed
 * fewer than `maxAgeDays` days before `today` (so a link removed in Zoho by hand comes back).
 */
export function judgePair(stored: string | null | undefined, digest: string, today: number, maxAgeDays: number): PairVerdict {
  if (stored === null || stored === undefined) return 'new';
  if (stored.slice(3) !== digest) return 'changed';
  return today - confirmedDay(stored) >= maxAgeDays ? 'expired' : 'unchanged';
}
