/**
 * Claims of the watched folder: one folder per claimed file, `WATCH_DIR/processing/<claim id>/`,
 * holding the CSV under its own name, its profile if one came with it, and its report as it is
 * written. The claim id is the import id, so the folder alone says which import to look at, and two
 * files with the same name never meet in processing/.
 *
 * How a claim ends (why not the import processor, nor QueueEvents): the run ledger is the record of
 * an import's end, and every watcher sweeps processing/ at start and every few seconds, moving each
 * claim whose import ended to done/ or failed/. Moves are renames (atomic, idempotent: a second try
 * finds nothing and skips) done under a short Redis lease, the source CSV last — so a worker killed
 * at any point leaves a claim that the next sweep of any watcher, on any worker, finishes. An event
 * stream would be missed by a watcher that is down, and a move inside the import job would tie the
 * processor to a folder every worker would have to mount.
 *
 * Outcome: done/ when the import ran (even with rows in error: the report says which); failed/ with
 * `<stem>.error.txt` (one line) when it could not run at all — bad header, bad profile, file too big.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Queues } from '../app/queues.js';
import { registrationFor } from '../app/queues.js';
import type { Config } from '../config/config.js';
import { isUserError, oneLine } from '../errors.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { BUILTIN_PROFILES } from '../profile/profile.js';
import { isInside } from '../usecases/resolve-source.js';
import { registerImport } from '../usecases/register-import.js';

export interface WatchContext {
  config: Config;
  ledger: RunLedger;
  queues: Queues;
  log: Logger;
  dir: string;
  /** `dir` with links resolved: what a claimed file's real location must lie under. */
  realDir: string;
  processing: string;
  /** A claim with no registered import this long after it was made was orphaned by a dead worker. */
  orphanAfterMs: number;
  /** This watcher, as a lease holder. */
  holder: string;
}

export interface Claim {
  /** The claim folder's name: the import id the claimer registers. */
  id: string;
  dir: string;
  /** The CSV's name. */
  name: string;
  /** The import that does the work: `id`, or an earlier import of the same content. */
  importId: string;
}

export type ClaimOutcome = 'done' | 'failed';

/** Marker files inside a claim folder; hidden, so never moved nor taken for the CSV. */
const IMPORT_MARKER = '.import-id';
const DESTINATION_MARKER = '.destination';
const FINISH_LEASE_MS = 60_000;
const CLAIM_ID = /^[A-Za-z][A-Za-z0-9_-]{0,79}$/;

export function newHolder(): string {
  return randomBytes(6).toString('hex');
}

export function stemOf(name: string): string {
  return name.replace(/\.csv$/i, '');
}

/** Register the claimed file's import; a file that cannot be imported at all goes to failed/ now. */
export async function registerClaim(ctx: WatchContext, claim: Claim): Promise<void> {
  const stem = stemOf(claim.name);
  const sidecar = `${stem}.profile.json`;
  const hasSidecar = await exists(join(claim.dir, sidecar));
  const refusal = (await linkRefusal(ctx, claim.dir, claim.name)) ?? (hasSidecar ? await linkRefusal(ctx, claim.dir, sidecar) : undefined);
  if (refusal !== undefined) {
    ctx.log.warn({ file: claim.name, reason: refusal }, 'refusing a link; moving it to failed/');
    return finishClaim(ctx, claim, 'failed', refusal);
  }
  const profile = hasSidecar ? sidecar : profileFromConfig(ctx.config.watchProfile);
  try {
    const registered = await registerImport(registrationFor(ctx.config, ctx), {
      // Relative to the claim folder, so messages name the file as the user dropped it.
      file: claim.name, profile, origin: 'watch', cwd: claim.dir,
      reportPath: `${stem}.report.csv`, importId: claim.id, sourceName: claim.name,
    });
    if (registered.duplicate) await writeFile(join(claim.dir, IMPORT_MARKER), registered.importId);
    else await rm(join(claim.dir, IMPORT_MARKER), { force: true });
    ctx.log.info({ file: claim.name, importId: registered.importId, duplicate: registered.duplicate }, registered.duplicate ? 'same content as an earlier import; not imported again' : 'import registered');
  } catch (error) {
    // Redis down and the like: the claim stays, and a later sweep registers it.
    if (!isUserError(error)) throw error;
    ctx.log.warn({ file: claim.name, reason: oneLine(error) }, 'cannot import this file; moving it to failed/');
    await finishClaim(ctx, claim, 'failed', oneLine(error));
  }
}

/**
 * Why a claimed file must not be read, or undefined. A link dropped in WATCH_DIR would have the worker
 * read a file the dropper may not read (a symlink to /etc/passwd, a hard link to a key), and its content
 * would reach the report, the error line, the logs and Zoho. So the CSV and its profile must be regular
 * files with one name whose real location lies under WATCH_DIR. Links are refused even when they stay
 * inside (a link's target can change after this check; a copy cannot). The entry checked is the one in
 * the claim folder, the very entry the import reads, and it is looked at (lstat), never through.
 * The line names the file and never its target: nothing of what a link points to is shown.
 */
async function linkRefusal(ctx: WatchContext, dir: string, name: string): Promise<string | undefined> {
  const path = join(dir, name);
  const info = await lstat(path);
  const refused = (why: string): string => `${name}: refused: ${why}; links are refused in WATCH_DIR (copy the file itself in)`;
  if (info.isSymbolicLink()) return refused('a symbolic link');
  if (!info.isFile()) return `${name}: refused: expected a regular file, got a ${info.isDirectory() ? 'folder' : 'special file'}`;
  if (info.nlink > 1) return refused(`a hard link (the file has ${info.nlink} names)`);
  // A folder on the way that is a link (processing/ made one by hand, say) moves the file elsewhere.
  if (!isInside(await realpath(path), ctx.realDir)) return refused('its real location is outside WATCH_DIR');
  return undefined;
}

/** WATCH_PROFILE is a built-in name or a path relative to the worker's working folder. */
function profileFromConfig(profile: string): string {
  return Object.hasOwn(BUILTIN_PROFILES, profile) ? profile : resolve(profile);
}

/** Look at every claim in processing/ once: finish the ended, adopt the orphaned. */
export async function sweepClaims(ctx: WatchContext): Promise<void> {
  const entries = await readdir(ctx.processing, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || !CLAIM_ID.test(entry.name)) continue;
    try {
      await inspectClaim(ctx, entry.name);
    } catch (error) {
      ctx.log.warn({ err: error, claim: entry.name }, 'could not look at a claim in processing/; will try again');
    }
  }
}

async function inspectClaim(ctx: WatchContext, id: string): Promise<void> {
  const dir = join(ctx.processing, id);
  const files = await readdir(dir).catch(() => undefined);
  if (!files) return;
  const ageMs = Date.now() - (await stat(dir)).mtimeMs;
  const name = sourceOf(files);
  if (!name) {
    // No CSV: a claimer between mkdir and rename (young), or a finished claim's leftovers (old).
    if (ageMs > ctx.orphanAfterMs) await rm(dir, { recursive: true, force: true });
    return;
  }
  const marker = await readFile(join(dir, IMPORT_MARKER), 'utf8').catch(() => '');
  const claim: Claim = { id, dir, name, importId: marker.trim() || id };
  if (files.includes(`${stemOf(name)}.error.txt`)) return finishClaim(ctx, claim, 'failed');
  const record = await ctx.ledger.getImport(claim.importId);
  if (record?.state === 'done') return finishClaim(ctx, claim, 'done');
  if (record?.state === 'failed') return finishClaim(ctx, claim, 'failed', record.failedReason ?? 'the import failed');
  if (record && claim.importId === id) {
    const state = await ctx.queues.imports.getJobState(id);
    // A job BullMQ failed on its own is the reconciler's (resumed, or failed with every row an outcome
    // and its report); the sweep after that moves the file.
    if (state === 'failed') return;
    // Registered but never enqueued (its registrar died in between) is the only stuck case left.
    if (state !== 'unknown' || record.state !== 'queued') return;
  } else if (record) {
    return;
  }
  if (ageMs < ctx.orphanAfterMs) return;
  ctx.log.warn({ file: name, importId: id }, 'adopting a claim its watcher left unregistered');
  await registerClaim(ctx, claim);
}

/** The CSV of a claim: the shortest visible `.csv` name (its reports are `<stem>.report.csv`, …). */
function sourceOf(files: string[]): string | undefined {
  const csvs = files.filter((f) => !f.startsWith('.') && /\.csv$/i.test(f));
  return csvs.sort((a, b) => a.length - b.length || (a < b ? -1 : 1))[0];
}

/** Move a claim's files to done/ or failed/ (the CSV last) and remove its folder; once, under a lease. */
export async function finishClaim(ctx: WatchContext, claim: Claim, outcome: ClaimOutcome, errorLine?: string): Promise<void> {
  const lease = `watch-finish:${claim.id}`;
  if (!(await ctx.ledger.takeLease(lease, ctx.holder, FINISH_LEASE_MS))) return;
  try {
    const stem = stemOf(claim.name);
    if (errorLine !== undefined) await writeFile(join(claim.dir, `${stem}.error.txt`), `${errorLine.replace(/\s*\n\s*/g, ' ')}\n`);
    if (claim.importId !== claim.id) await writeDuplicateNote(ctx, claim);
    const target = join(ctx.dir, outcome);
    await mkdir(target, { recursive: true });
    const files = (await readdir(claim.dir)).filter((f) => !f.startsWith('.'));
    const chosen = await destinationStem(claim, target, files);
    const targetName = (f: string): string => (f.startsWith(`${stem}.`) ? `${chosen}${f.slice(stem.length)}` : f);
    for (const file of [...files.filter((f) => f !== claim.name), claim.name]) await moveQuietly(join(claim.dir, file), join(target, targetName(file)));
    if (claim.importId === claim.id && (await ctx.ledger.getImport(claim.id))) {
      // Where the files are now, for `relsync status` and `relsync report`.
      await ctx.ledger.update(claim.id, { originalPath: join(target, targetName(claim.name)), reportPath: join(target, targetName(`${stem}.report.csv`)) });
    }
    await rm(claim.dir, { recursive: true, force: true });
    ctx.log.info({ file: claim.name, importId: claim.importId, to: join(target, targetName(claim.name)) }, `watched file ${outcome}`);
  } finally {
    await ctx.ledger.releaseLease(lease, ctx.holder);
  }
}

/**
 * `<stem>`, or `<stem>.<claim id>` when a name is taken in the target folder. Decided once and kept
 * in the claim, so a finish that resumes after a crash puts the rest beside what it moved before.
 */
async function destinationStem(claim: Claim, target: string, files: string[]): Promise<string> {
  const marker = join(claim.dir, DESTINATION_MARKER);
  const decided = (await readFile(marker, 'utf8').catch(() => '')).trim();
  if (decided) return decided;
  const stem = stemOf(claim.name);
  const taken = await Promise.all(files.map((f) => exists(join(target, f))));
  const chosen = taken.some(Boolean) ? `${stem}.${claim.id}` : stem;
  await writeFile(marker, chosen);
  return chosen;
}

async function writeDuplicateNote(ctx: WatchContext, claim: Claim): Promise<void> {
  const earlier = await ctx.ledger.getImport(claim.importId);
  const report = earlier?.reportPath ? `; its report: ${earlier.reportPath}` : '';
  const line = `same content and profile as import ${claim.importId} (${earlier?.sourceName ?? 'unknown source'}, within RELSYNC_DEDUP_WINDOW_S): not imported again${report}`;
  await writeFile(join(claim.dir, `${stemOf(claim.name)}.duplicate.txt`), `${line}\n`);
}

async function moveQuietly(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** An entry by this name is there (a link counts, even a broken one: it is looked at, not through). */
export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}
