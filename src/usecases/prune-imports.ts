/**
 * Retention: a finished import's Redis records (its ledger record and outcomes, its `import` job and the
 * sync jobs kept after failing, its undelivered webhook events) and its input snapshot — with
 * RELSYNC_STORAGE, its copy in `<storage>/inputs/` too — are removed once it ended more than
 * RELSYNC_RETENTION_DAYS ago; its report files stay, wherever they are. The worker runs this every hour
 * (one worker at a time, under a lease), `relsync prune [--older-than <days>]` on demand.
 *
 * Redis also drops the ledger record by itself at that time (`expireImport`, set when the import
 * ended), so retention holds while no worker runs; this sweep then removes what Redis cannot expire.
 * An import still running is never touched, however old. The id stays in a bounded list of expired
 * ids, so `relsync status <id>` says "expired" rather than "no such import".
 *
 * An import whose stored input cannot be removed now (the store is down, or refuses) keeps its records,
 * as one whose job a worker holds does: the next sweep tries again, and nothing is left in the store
 * that no record names. Once the store failed, the sweep does not try it again for the other imports.
 */
import type { ImportRecord, RunLedger } from '../ledger/run-ledger.js';
import { isFinished } from './import-record.js';
import { dropSnapshot } from './input-snapshot.js';

export interface PruneDeps {
  ledger: Pick<RunLedger, 'importsCreatedBefore' | 'getImport' | 'removeImport'>;
  reportDir: string;
  /** Remove the import's BullMQ jobs (its `import` job with its children, its webhook deliveries). */
  removeJobs(importId: string): Promise<void>;
  /**
   * Remove the import's copy of its input in RELSYNC_STORAGE (`record` is undefined once Redis expired
   * it); throws, in one line naming the URL, when the store cannot be reached or refuses. Absent
   * without RELSYNC_STORAGE.
   */
  removeStoredInput?(importId: string, record: ImportRecord | undefined): Promise<void>;
  now?: () => number;
}

export interface PruneResult {
  /** The imports removed, oldest first. */
  pruned: string[];
  /** Imports kept for the next sweep because their stored input could not be removed, and why (one line). */
  storageKept?: { imports: number; reason: string };
}

export const DAY_MS = 86_400_000;

/** Ids looked at per page of the recent list. */
const PAGE = 500;

/** Remove every import that ended at least `olderThanMs` ago. */
export async function pruneImports(deps: PruneDeps, options: { olderThanMs: number }): Promise<PruneResult> {
  const cutoff = (deps.now ?? Date.now)() - options.olderThanMs;
  const pruned: string[] = [];
  let storageKept: PruneResult['storageKept'];
  // An import ends after it is created, so only those created before the cutoff can have ended before it.
  // Pruned ids leave the list; `kept` counts those skipped, to page past them.
  let kept = 0;
  for (;;) {
    const ids = await deps.ledger.importsCreatedBefore(cutoff, PAGE, kept);
    for (const id of ids) {
      const record = await deps.ledger.getImport(id);
      // No record: Redis expired it (expireImport); what Redis could not expire is removed now.
      if (record && (!isFinished(record) || (record.finishedAt ?? record.updatedAt) > cutoff)) {
        kept += 1;
        continue;
      }
      // A job that cannot be removed now (locked by a worker) keeps the import for the next sweep; the others go on.
      if (!(await deps.removeJobs(id).then(() => true, () => false))) {
        kept += 1;
        continue;
      }
      if (deps.removeStoredInput) {
        const failed = storageKept ? undefined : await deps.removeStoredInput(id, record).then(() => undefined, (error: unknown) => error as Error);
        if (storageKept || failed) {
          storageKept = { imports: (storageKept?.imports ?? 0) + 1, reason: storageKept?.reason ?? failed!.message };
          kept += 1;
          continue;
        }
      }
      await dropSnapshot(deps.reportDir, id);
      await deps.ledger.removeImport(id);
      pruned.push(id);
    }
    if (ids.length < PAGE) return { pruned, ...(storageKept ? { storageKept } : {}) };
  }
}
