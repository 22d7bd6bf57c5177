/**
 * The `import` job as a step job (BullMQ "process step jobs" pattern): start → ingest → sync (wait for
 * the batch jobs, added as children) → report. The step is saved in the job's data after each one, so
 * a retried or stalled job resumes where it was. A user's mistake (bad file, profile, path) fails the
 * job at once with a one-line reason (UnrecoverableError); infrastructure faults retry.
 */
import { DelayedError, UnrecoverableError, WaitingChildrenError, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { validateImportPayload, type ImportJobPayload, type ImportSummary } from '../../jobs/import.job.js';
import { syncCallsBulkJob, syncCallsPriority, type SyncCallsJobData, type SyncCallsPayload } from '../../jobs/sync-calls.job.js';
import type { Config } from '../config/config.js';
import { rowOffsetsPath } from '../csv/row-offsets.js';
import { ErrorCodes, isUserError, oneLine, UserError } from '../errors.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { finalizeImport } from '../usecases/finalize-import.js';
import { localInput } from '../usecases/shared-storage.js';
import { csvOptionsFor, importIdOf, isFinished, storedProfile, summaryOf } from '../usecases/import-record.js';
import { ingestImport, type IngestDeps } from '../usecases/ingest-import.js';
import { importWaits } from '../usecases/import-waits.js';
import type { SyncStateStore } from '../ledger/sync-state.js';
import { dayOf, syncTargetOf } from '../plan/pair-state.js';
import type { Profile } from '../profile/profile.js';
import type { LookupLoader } from '../usecases/lookup-tables.js';
import type { LinkPlanDeps } from '../usecases/plan-links.js';
import { startImport } from '../usecases/start-import.js';
import { failImport } from '../usecases/reconcile-imports.js';
import { isRedisWriteRefusal } from '../ledger/redis-connection.js';

/** `duplicate`: an earlier import of the same content does the work; this job waits for its summary. */
export type ImportStep = 'start' | 'ingest' | 'sync' | 'report' | 'duplicate';
export type ImportJobData = ImportJobPayload & { step?: ImportStep; sourcePath?: string; duplicateOf?: string };

/** How often a `duplicate` job looks whether the import it waits for has ended (it holds no slot meanwhile). */
const DUPLICATE_POLL_MS = 1_000;

export interface ImportProcessorDeps {
  config: Config;
  ledger: RunLedger;
  syncQueue: Queue<SyncCallsJobData>;
  log: Logger;
  /** The profile's lookup tables (names to ids), read from Zoho once per import. */
  lookups: LookupLoader;
  /** How `unlink` and `mirror` read the current links (the sync worker's Zoho client and budget). */
  links?: LinkPlanDeps;
  /** The incremental sync state (every import's successes are remembered there; `incremental` ones read it). */
  syncState: SyncStateStore;
  /** The incremental sync state's clock (the import's day); default Date.now. Tests move it. */
  stateNow?: () => number;
}

export function createImportProcessor(deps: ImportProcessorDeps) {
  return async (job: Job<ImportJobData, ImportSummary>, token?: string): Promise<ImportSummary> => {
    const importId = importIdOf(job.id, job.data);
    const log = deps.log.child({ importId, jobId: job.id, attempt: job.attemptsMade + 1 });
    try {
      return await runSteps(deps, job, importId, token ?? '', log);
    } catch (error) {
      if (error instanceof WaitingChildrenError || error instanceof DelayedError) throw error;
      // Redis refusing writes is no failure of the import: nothing can be written now, BullMQ's own
      // bookkeeping included; the job is recovered when Redis takes writes again (or by the reconciler).
      if (isRedisWriteRefusal(error)) throw error;
      const reason = oneLine(error);
      const final = isUserError(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!final) log.error({ err: error, reason }, 'import step failed; will retry');
      // Only an import that was registered is marked; a payload refused before that has no record to mark.
      const record = final ? await deps.ledger.getImport(importId).catch(() => undefined) : undefined;
      if (record && isUserError(error)) {
        log.error({ reason }, 'import failed');
        await deps.ledger.setState(importId, 'failed', { failedReason: reason, finishedAt: Date.now() }).catch(() => undefined);
      } else if (record) {
        // As the reconciler fails one: nothing more sent, every row an outcome, the report, the dedup claim freed.
        await failImport({ ledger: deps.ledger, config: deps.config, log }, record, reason).catch((failure: unknown) => log.error({ err: failure }, 'could not mark the import failed; the reconciler will'));
      }
      throw isUserError(error) ? new UnrecoverableError(reason) : error;
    }
  };
}

async function runSteps(deps: ImportProcessorDeps, job: Job<ImportJobData, ImportSummary>, importId: string, token: string, log: Logger): Promise<ImportSummary> {
  let step: ImportStep = job.data.step ?? 'start';
  if (step === 'start') {
    // The size of an inline CSV is checked (against this worker's own limit) where it is spooled.
    const check = validateImportPayload(stripInternal(job.data), { maxInlineCsvBytes: Number.POSITIVE_INFINITY });
    if (!check.ok) throw new UserError(ErrorCodes.PAYLOAD_INVALID, `invalid import payload: ${check.problems.join('; ')}`);
    const started = await startImport({ config: deps.config, ledger: deps.ledger }, importId, check.value);
    if (started.duplicateOf) {
      log.info({ duplicateOf: started.duplicateOf }, 'same content and profile as an earlier import; waiting for its summary');
      step = await saveStep(job, 'duplicate', { duplicateOf: started.duplicateOf });
    } else {
      // The reconciler finds an import's job by this id (another service's jobs have ids of their own).
      await deps.ledger.update(importId, { jobId: job.id });
      step = await saveStep(job, 'ingest', { importId, reportPath: started.reportPath });
    }
  }
  if (step === 'duplicate') return awaitDuplicate(deps.ledger, job, token);
  // One read of the record: its stored profile, its own copy of the input (input-snapshot.ts),
  // whatever happened to the file since, and whether it was stopped.
  const record = await deps.ledger.requireImport(importId);
  const profile = storedProfile(record);
  // The copy itself, or — in RELSYNC_STORAGE — that copy downloaded once to this worker's disk.
  const sourcePath = await localInput(deps.config, record);
  // Cancelled (or otherwise stopped) before it was read: nothing to send, straight to its report.
  if (step === 'ingest' && record.stopCode) {
    log.info('import stopped before ingest: writing its report');
    step = await saveStep(job, 'report');
  }
  if (step === 'ingest') {
    // The import's day is fixed at its first ingest, so a re-run after a crash judges pairs alike.
    const stateDay = record.stateDay ?? dayOf((deps.stateNow ?? Date.now)());
    await deps.ledger.setState(importId, 'ingesting', { startedAt: Date.now(), stateDay });
    log.info({ source: record.sourceName, profile: record.profileName, origin: record.origin, incremental: profile.incremental === true }, 'import started: reading the file');
    const syncState = await syncStateFor(deps, importId, profile, stateDay);
    const ingested = await ingestImport({
      // Its reads wait for credits and for the sync queue's pauses with its status saying why.
      ledger: deps.ledger, log, limits: deps.config.limits, lookups: deps.lookups, links: deps.links && { ...deps.links, waits: importWaits(deps.ledger, importId) }, syncState,
      removals: { maxRatio: deps.config.mirrorMaxRemoveRatio, allow: Boolean(record.allowRemovals) },
    }, {
      importId, sourcePath, sourceName: record.sourceName, shownAs: record.originalPath, profile, rowOffsets: rowOffsetsPath(sourcePath),
      enqueue: (jobs, plannedCalls) => addSyncJobs(deps.syncQueue, job, jobs, { maxAttempts: deps.config.zoho.maxAttempts, priority: syncCallsPriority(plannedCalls) }),
    });
    // Nothing was sent nor enqueued: the import fails with the guard's one line (exit 1 for --wait).
    if (ingested.stoppedBy) throw new UserError(ErrorCodes.REMOVALS_OVER_LIMIT, ingested.stoppedBy);
    await deps.ledger.setState(importId, 'syncing');
    step = await saveStep(job, 'sync');
  }
  if (step === 'sync') {
    if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
    step = await saveStep(job, 'report');
  }
  return finalizeImport({ ledger: deps.ledger, log, reportRetryMs: deps.config.reportRetryMs, shared: { remote: deps.config.remote, reportDir: deps.config.reportDir } }, { importId, sourcePath, profile, reportPath: job.data.reportPath!, csv: { ...csvOptionsFor(profile, deps.config.limits), shownAs: record.originalPath } });
}

/** The target's state, registered for `relsync state`; what an incremental ingest reads of it. */
async function syncStateFor(deps: ImportProcessorDeps, importId: string, profile: Profile, today: number): Promise<IngestDeps['syncState']> {
  const target = syncTargetOf(deps.config.zoho, profile);
  await deps.syncState.registerTarget(target);
  if (!profile.incremental) return undefined;
  // Outcomes before ingest: a re-run after a crash, whose own calls may already be in the state.
  const rerun = (await deps.ledger.countOutcomes(importId)) > 0;
  return {
    state: deps.syncState, targetId: target.id, today, maxAgeDays: deps.config.incrementalMaxAgeDays,
    ...(rerun ? { knownOutcomes: (rows: number[]) => deps.ledger.getOutcomes(importId, rows) } : {}),
  };
}

async function saveStep(job: Job<ImportJobData>, step: ImportStep, extra: Partial<ImportJobData> = {}): Promise<ImportStep> {
  await job.updateData({ ...job.data, ...extra, step });
  return step;
}

/** Another service's payload has no internal keys; ours do — validate only the public shape. */
function stripInternal(data: ImportJobData): unknown {
  // Another service may send anything as data: a string spread here would turn into keys "0", "1", …
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const { step: _step, sourcePath: _sourcePath, duplicateOf: _duplicateOf, ...payload } = data;
  return payload;
}

/**
 * The earlier import's summary once it has ended. Until then the job goes back to the delayed set
 * (not a retry: no attempt is spent) so it holds no import slot the earlier import may need.
 */
async function awaitDuplicate(ledger: RunLedger, job: Job<ImportJobData, ImportSummary>, token: string): Promise<ImportSummary> {
  const other = await ledger.getImport(job.data.duplicateOf!);
  if (!other) throw new Error(`import ${job.data.duplicateOf} (same content) has no ledger record`);
  if (!isFinished(other)) {
    await job.moveToDelayed(Date.now() + DUPLICATE_POLL_MS, token);
    throw new DelayedError();
  }
  if (other.state === 'failed') {
    // The earlier import could not run: start over, which takes the content over and runs it here.
    await saveStep(job, 'start', { duplicateOf: undefined });
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  }
  return summaryOf(other);
}


/** Add the sync jobs as children of the import job; deterministic ids make a re-add a no-op. */
async function addSyncJobs(queue: Queue<SyncCallsJobData>, parent: Job, jobs: SyncCallsPayload[], options: { maxAttempts: number; priority: number }): Promise<void> {
  const parentRef = { id: parent.id!, queue: parent.queueQualifiedName };
  await queue.addBulk(jobs.map((data) => syncCallsBulkJob(data, { ...options, parent: parentRef })));
}
