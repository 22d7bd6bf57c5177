/**
 * Runs the reconciler (usecases/reconcile-imports.ts) in a worker process: every
 * RELSYNC_RECONCILE_INTERVAL_MS, and soon after any `import` job this process sees fail, by whichever
 * worker holds the Redis lease at the time (so several workers never settle one import twice).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { isRedisWriteRefusal } from '../ledger/redis-connection.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { reconcileImports, type ImportJobView } from '../usecases/reconcile-imports.js';
import { enqueueImport, type Queues } from './queues.js';

const LEASE = 'reconciler';

export interface Reconciler {
  /** Look soon (a job failed): at most once a second. */
  nudge(): void;
  close(): Promise<void>;
}

export function startReconciler(config: Config, parts: { ledger: RunLedger; queues: Queues; log: Logger }): Reconciler {
  const holder = randomBytes(6).toString('hex');
  const { ledger, queues, log } = parts;
  let running: Promise<void> | undefined;
  let closed = false;
  let nudged: NodeJS.Timeout | undefined;

  const importJob = async (jobId: string): Promise<ImportJobView | undefined> => {
    const job = await queues.imports.getJob(jobId);
    if (!job) return undefined;
    return { state: await job.getState(), failedReason: job.failedReason, retry: () => job.retry('failed') };
  };

  const runOnce = async (): Promise<void> => {
    if (!(await ledger.takeLease(LEASE, holder, Math.max(config.reconcile.intervalMs * 3, 5_000)))) return;
    try {
      await reconcileImports({
        config, ledger, importJob, log,
        requeue: (record) => enqueueImport(queues, { importId: record.id, source: { path: record.source }, profile: record.profileName, origin: 'queue' }),
      });
    } finally {
      await ledger.releaseLease(LEASE, holder);
    }
  };

  const tick = (): void => {
    if (closed || running) return;
    running = runOnce()
      .catch((error: unknown) => {
        // Redis away or refusing writes: the next tick tries again; the outage itself is logged elsewhere.
        if (!isRedisWriteRefusal(error)) log.warn({ err: error }, 'reconciler: a pass failed; will try again');
      })
      .finally(() => {
        running = undefined;
      });
  };

  const timer = setInterval(tick, config.reconcile.intervalMs);
  timer.unref();
  return {
    nudge() {
      if (nudged || closed) return;
      nudged = setTimeout(() => {
        nudged = undefined;
        tick();
      }, 1_000);
      nudged.unref();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      if (nudged) clearTimeout(nudged);
      await running;
    },
  };
}
