/**
 * The plan of an `unlink` or `mirror` import: for each base record the file names, its current links
 * read from Zoho (GET, every page), then what link-diff.ts says to do with them, cut into calls of at
 * most 100 (PUTs of the pairs to add or update, DELETEs of the links to remove). One computation for
 * the removal guard, the dry-run preview and the real run, so the preview's counts are the run's.
 *
 * Each read is a Zoho call like any other: it takes a credit of our own budget and holds a slot of the
 * org-wide cap on calls in flight while it runs (zoho/call-gate.ts), and goes through the Zoho client's
 * token rules. A spent budget or a paused sync queue is waited out, the import's status saying why (as
 * a sync call's pause does), never a failure; a read that fails for a while (network, 5xx, 429) throws
 * LINKS_READ_FAILED, which the import step retries. A base record Zoho does not know (INVALID_DATA)
 * fails its rows; any other refusal is the same for every base (a scope, a permission, a module) and
 * fails the import with one line.
 */
import { MAX_ENTRIES_PER_CALL, type CallEntry, type RemovalEntry, type SyncCall } from '../../jobs/sync-calls.job.js';
import type { ImportMode } from '../../jobs/import.job.js';
import type { RowOutcome } from '../domain/row-outcome.js';
import { ErrorCodes, RelsyncError, UserError } from '../errors.js';
import type { PlannedCall, PlannedEntry } from '../plan/grouper.js';
import { diffBase, type LinkNow } from '../plan/link-diff.js';
import { baseExternalHeader, fieldSpecs, type Profile } from '../profile/profile.js';
import { backoffDelayMs } from '../zoho/backoff.js';
import type { CallGate, CallOptions } from '../zoho/call-gate.js';
import type { ReadVerdict, RelatedReadRequest } from '../zoho/zoho-client.js';

/** Zoho's maximum page of related records, and its default (docs/zoho.md#delink-and-read). */
export const LINKS_PER_PAGE = 200;

export interface LinkReader {
  readRelated(request: RelatedReadRequest, options?: { signal?: AbortSignal }): Promise<ReadVerdict>;
}

export interface LinkPlanDeps {
  reader: LinkReader;
  /** A credit of our budget and a slot of the org-wide cap for every read (absent: neither, a unit test). */
  gate?: CallGate;
  /**
   * The import's own (ingest sets them): its status while a read waits for a credit or for the sync
   * queue's pause, and whether it was stopped meanwhile. `waitForCredit: false`: a spent budget is
   * one line for the user at once (UserError CREDIT_BUDGET: the dry run).
   */
  waits?: Pick<CallOptions, 'onWait' | 'stopped' | 'waitForCredit'>;
  /** Tries per page before LINKS_READ_FAILED (network, 5xx, 429). Default 6. */
  tries?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * How long the sync queue is paused for every worker (a 429, credits, an outage: the sync worker's
   * `queue.rateLimit`): a read waits it out as the calls do, so reads keep to the same pauses.
   */
  queuePauseMs?: () => Promise<number>;
  /** Pauses the sync queue for every worker, as a call's 429 does: a read's 429 holds the calls back too. */
  pauseQueue?: (ms: number) => Promise<void>;
}

export interface LinkCounts {
  /** Base records named by the file / known to Zoho (read). */
  bases: number;
  /** Their links before the import. */
  currentLinks: number;
  add: number;
  update: number;
  unchanged: number;
  /** Unlink: pairs linked, to delink / not linked. */
  unlink: number;
  notLinked: number;
  /** Mirror: links the file does not name. */
  remove: number;
  /** Base records Zoho does not know: their rows are errors. */
  unknownBases: number;
  /** GET calls made. */
  reads: number;
}

export interface LinkPlan {
  /** PUT calls (mirror) and delink calls, per base in file order. */
  calls: SyncCall[];
  /** Rows settled by the plan: UNCHANGED, NOT_LINKED, and the rows of unknown base records. */
  outcomes: RowOutcome[];
  removals: Array<RemovalEntry & { base: string }>;
  counts: LinkCounts;
}

export async function planLinks(deps: LinkPlanDeps, profile: Profile, mode: Exclude<ImportMode, 'link'>, calls: Iterable<PlannedCall>): Promise<LinkPlan> {
  const plan: LinkPlan = {
    calls: [], outcomes: [], removals: [],
    counts: { bases: 0, currentLinks: 0, add: 0, update: 0, unchanged: 0, unlink: 0, notLinked: 0, remove: 0, unknownBases: 0, reads: 0 },
  };
  for (const { base, entries } of perBase(calls)) {
    plan.counts.bases += 1;
    const read = await readLinks(deps, profile, base, plan.counts);
    if ('unknown' in read) {
      plan.counts.unknownBases += 1;
      for (const entry of entries) plan.outcomes.push({ row: entry.row, status: 'error', code: read.code, message: read.unknown });
      continue;
    }
    plan.counts.currentLinks += read.links.length;
    const diff = diffBase(mode, entries, read.links);
    plan.counts.add += diff.added;
    plan.counts.update += diff.updated;
    plan.counts.unlink += diff.delink.length;
    plan.counts.remove += diff.removals.length;
    for (const outcome of diff.settled) {
      plan.outcomes.push(outcome);
      if (outcome.code === 'UNCHANGED') plan.counts.unchanged += 1;
      else plan.counts.notLinked += 1;
    }
    for (const chunk of chunks(diff.put)) plan.calls.push({ base, entries: chunk.map(sent) });
    for (const chunk of chunks(diff.delink)) plan.calls.push({ base, op: 'delink', entries: chunk });
    for (const chunk of chunks(diff.removals)) plan.calls.push({ base, op: 'delink', entries: [], removals: chunk });
    for (const removal of diff.removals) plan.removals.push({ base, ...removal });
  }
  return plan;
}

/**
 * Why the removal guard stops this mirror, or undefined when it may go on: it would remove more than
 * `maxRatio` of the current links of the base records it touches (a truncated export must not empty
 * the CRM). `--allow-removals` lets it.
 */
export function removalGuard(counts: LinkCounts, maxRatio: number, allowRemovals: boolean): string | undefined {
  if (allowRemovals || counts.remove === 0) return undefined;
  const ratio = counts.remove / Math.max(1, counts.currentLinks);
  if (ratio <= maxRatio) return undefined;
  return `mirror stopped before its first DELETE: it would remove ${counts.remove} of the ${counts.currentLinks} current links `
    + `(${Math.round(ratio * 100)}%) of the ${counts.bases} base records in the file, above RELSYNC_MIRROR_MAX_REMOVE_RATIO ${maxRatio}; `
    + 'check that the file is complete, or run it again with --allow-removals';
}

/** The grouper's calls of one base record follow each other: all of a base's entries at once. */
function* perBase(calls: Iterable<PlannedCall>): Generator<{ base: string; entries: PlannedEntry[] }> {
  let current: { base: string; entries: PlannedEntry[] } | undefined;
  for (const call of calls) {
    if (current && current.base === call.base) {
      current.entries.push(...call.entries);
      continue;
    }
    if (current) yield current;
    current = { base: call.base, entries: [...call.entries] };
  }
  if (current) yield current;
}

function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += MAX_ENTRIES_PER_CALL) yield items.slice(i, i + MAX_ENTRIES_PER_CALL);
}

/** As ingest sends an entry: without an empty `fields`. */
function sent(entry: PlannedEntry): CallEntry {
  return Object.keys(entry.fields).length > 0 ? entry : { row: entry.row, related: entry.related };
}

/** Every current link of one base record, or why Zoho does not know the base record. */
async function readLinks(deps: LinkPlanDeps, profile: Profile, base: string, counts: LinkCounts): Promise<{ links: LinkNow[] } | { unknown: string; code: string }> {
  const relatedKey = profile.related.externalField ?? 'id';
  const entryFields = fieldSpecs(profile).map((field) => field.apiName);
  const links: LinkNow[] = [];
  for (let page = 1; ; page += 1) {
    const request: RelatedReadRequest = {
      module: profile.module, base, relatedList: profile.relatedList, xExternal: baseExternalHeader(profile),
      fields: [relatedKey], page, perPage: LINKS_PER_PAGE,
    };
    const verdict = await readPage(deps, request, counts);
    if (verdict.kind === 'request-error') {
      if (verdict.code === 'INVALID_DATA') return { unknown: `the base record is not known to Zoho: ${verdict.message}`, code: verdict.code };
      throw new UserError(ErrorCodes.LINKS_READ_REFUSED, `reading the current links of ${profile.module} '${base}' (${profile.relatedList}) was refused (${verdict.code}): ${verdict.message}`);
    }
    for (const link of verdict.links) {
      const fields: Record<string, string | null> = {};
      for (const name of entryFields) fields[name] = link.values[name] ?? null;
      links.push({ id: link.id, related: relatedKey === 'id' ? link.id : (link.values[relatedKey] ?? null), fields });
    }
    if (!verdict.more || verdict.links.length === 0) return { links };
  }
}

/** One page, tried again on what may pass; a page or a request error in the end. */
async function readPage(deps: LinkPlanDeps, request: RelatedReadRequest, counts: LinkCounts): Promise<Extract<ReadVerdict, { kind: 'page' | 'request-error' }>> {
  const tries = deps.tries ?? 6;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last = '';
  for (let attempt = 1; attempt <= tries; attempt += 1) {
    await waitOutQueuePause(deps, sleep);
    const verdict = await gated(deps, () => deps.reader.readRelated(request));
    counts.reads += 1;
    if (verdict.kind === 'page' || verdict.kind === 'request-error') return verdict;
    if (verdict.kind === 'wrong-api-domain') throw new UserError(ErrorCodes.CONFIG_INVALID, verdict.message);
    last = `${verdict.code}: ${verdict.message}`;
    const retryAfter = 'retryAfterMs' in verdict ? (verdict.retryAfterMs ?? 0) : 0;
    const waitMs = Math.max(retryAfter, backoffDelayMs(attempt, { baseMs: 500, maxMs: 10_000 }));
    if (verdict.kind === 'rate-limited') await deps.pauseQueue?.(waitMs);
    if (attempt < tries) await sleep(waitMs);
  }
  throw new RelsyncError(ErrorCodes.LINKS_READ_FAILED, `reading the current links of ${request.module} '${request.base}' failed ${tries} times (last: ${last}); the import step tries again`);
}

/**
 * One read through the gate. A spent budget the caller does not wait for (the dry run) is one line for
 * the user; a stop while waiting is LINKS_READ_FAILED (the import step's next try ends the import).
 */
async function gated(deps: LinkPlanDeps, read: () => Promise<ReadVerdict>): Promise<ReadVerdict> {
  if (!deps.gate) return read();
  try {
    return await deps.gate.call(read, deps.waits);
  } catch (error) {
    if (!(error instanceof RelsyncError) || error.code !== ErrorCodes.CREDIT_BUDGET) throw error;
    if (deps.waits?.waitForCredit === false) throw new UserError(ErrorCodes.CREDIT_BUDGET, `reading the current links: ${error.message} (the reads are calls too: run it again then, or raise ZOHO_DAILY_CREDITS)`);
    throw new RelsyncError(ErrorCodes.LINKS_READ_FAILED, `${error.message}; the links are read again later`);
  }
}

/**
 * Waits while the sync queue is paused for every worker (a 429, credits, an outage), for as long as it
 * lasts, the import's status saying so; a stopped import stops waiting (LINKS_READ_FAILED).
 */
async function waitOutQueuePause(deps: LinkPlanDeps, sleep: (ms: number) => Promise<void>): Promise<void> {
  if (!deps.queuePauseMs) return;
  let waited = false;
  for (;;) {
    const pause = await deps.queuePauseMs();
    if (pause <= 0) break;
    const stop = await deps.waits?.stopped?.();
    if (stop) throw new RelsyncError(ErrorCodes.LINKS_READ_FAILED, `the links were not read: ${stop}`);
    const ms = Math.min(pause, 30_000);
    await deps.waits?.onWait?.({ reason: 'the sync queue is paused for every worker (429s, credits or an outage): the links are read when it resumes', untilMs: Date.now() + ms });
    waited = true;
    await sleep(ms);
  }
  if (waited) await deps.waits?.onWait?.(undefined);
}
