/**
 * Same content twice: the same bytes with the same profile, registered again within
 * RELSYNC_DEDUP_WINDOW_S by any trigger (CLI, watched folder, schedule, queue), is the same import
 * unless forced — a file dropped twice, or sent by two services, is synced once and every trigger
 * learns the one import's id.
 *
 * The key is the SHA-256 of the file (taken while its snapshot is copied) and of the profile (canonical JSON
 * without its display name, so `contacts-deals` by name and the same object inline are one profile).
 * The first import to set the key owns it until the TTL ends. An owner that failed, or was stopped
 * (cancelled, aborted by the import guard), is replaced, so it never blocks the next attempt.
 */
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from '../config/config.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import type { Profile } from '../profile/profile.js';

export interface DedupDeps {
  config: Pick<Config, 'dedupWindowS'>;
  ledger: Pick<RunLedger, 'claimContent' | 'getImport'>;
}

export interface DedupClaim {
  /** The import that does the work: `importId` itself, or the earlier import of the same content. */
  importId: string;
  /** `<sha256 of content>.<sha256 of profile>`; absent when dedup is off or forced. */
  contentKey?: string;
  /** True when an earlier import owns this content: nothing new is registered. */
  duplicate: boolean;
}

/** How long an owner may take between claiming the key and writing its ledger record. */
const OWNER_GRACE_MS = 10_000;
const OWNER_POLL_MS = 100;

/** `<sha256 of content>.<sha256 of profile>`; the content's hash comes from the import's snapshot. */
export function contentKey(contentSha256: string, profile: Profile): string {
  const { name: _name, ...shape } = profile;
  const profileHash = createHash('sha256').update(canonicalJson(shape)).digest('hex');
  return `${contentSha256}.${profileHash}`;
}

/**
 * Claim the content for `importId`, or learn which import already has it. Call before writing the
 * ledger record, and write it right after (an owner without a record is taken for one registering).
 */
export async function claimContent(deps: DedupDeps, input: { importId: string; contentSha256: string; profile: Profile; force?: boolean }): Promise<DedupClaim> {
  const ttlS = deps.config.dedupWindowS;
  if (ttlS === 0 || input.force) return { importId: input.importId, duplicate: false };
  const key = contentKey(input.contentSha256, input.profile);
  let owner = await deps.ledger.claimContent(key, input.importId, ttlS);
  let waitedMs = 0;
  while (owner !== input.importId) {
    const record = await deps.ledger.getImport(owner);
    // A failed or stopped (cancelled, aborted) import does not hold its content: running it again is the fix.
    if (record && record.state !== 'failed' && !record.stopCode) return { importId: owner, contentKey: key, duplicate: true };
    if (!record && waitedMs < OWNER_GRACE_MS) {
      await delay(OWNER_POLL_MS);
      waitedMs += OWNER_POLL_MS;
      continue;
    }
    // The owner failed, was stopped, or died before writing its record: this import takes the content over.
    owner = await deps.ledger.claimContent(key, input.importId, ttlS, owner);
  }
  return { importId: input.importId, contentKey: key, duplicate: false };
}

/** JSON with object keys sorted at every level, so equal profiles hash equal. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
