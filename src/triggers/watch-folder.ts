/**
 * The watched folder (docs/contract.md#watched-folder): each `*.csv` that appears in WATCH_DIR — written
 * there, renamed in, or already there at start — is imported once it is completely written, i.e. its
 * size has not changed for `stabilityMs` (chokidar's awaitWriteFinish). Names starting with `.` or
 * ending in `.part`/`.tmp` are ignored: write under such a name and rename when done, and the file
 * is taken at once.
 *
 * Several workers may watch one folder: a file is claimed by renaming it into
 * `processing/<import id>/`, which succeeds for exactly one of them; the others find it gone and skip
 * it. Everything after the claim — registering, finishing into done/ or failed/, adopting what a
 * dead worker left — is in watch-claims.ts.
 *
 * A `<stem>.profile.json` beside the CSV is its profile (moved along with it; put it there before the
 * CSV); otherwise WATCH_PROFILE. One WATCH_DIR per RELSYNC_PREFIX. Links (symbolic or hard) are moved
 * to failed/ unread: see linkRefusal in watch-claims.ts.
 */
import { lstat, mkdir, realpath, rename, rmdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import type { Queues } from '../app/queues.js';
import type { Config } from '../config/config.js';
import { ErrorCodes, UserError } from '../errors.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { newImportId } from '../usecases/import-record.js';
import { exists, newHolder, registerClaim, stemOf, sweepClaims, type WatchContext } from './watch-claims.js';

export interface WatchFolderDeps {
  config: Config;
  ledger: RunLedger;
  queues: Queues;
  log: Logger;
}

export interface WatchFolderOptions {
  /** Poll the folder instead of OS events (network volumes: NFS, SMB). Default WATCH_POLL. */
  usePolling?: boolean;
  /** A file is taken once its size has not changed for this long, in ms. Default WATCH_STABILITY_MS. */
  stabilityMs?: number;
  /** How often the folder is polled when polling, in ms. Default 1000. */
  pollIntervalMs?: number;
  /** How often processing/ is swept (ended imports moved out, orphans adopted), in ms. Default 2000. */
  sweepIntervalMs?: number;
  /** A claim with no import registered this long after it was made is adopted, in ms. Default 60000. */
  orphanAfterMs?: number;
}

export interface WatchFolder {
  /** Stop watching; waits for claims and a sweep in progress (what is left is finished by any watcher later). */
  close(): Promise<void>;
}

/** Folders next to the dropped files; also the names never taken for input. */
const SUBFOLDERS = ['processing', 'done', 'failed'] as const;

export async function startWatchFolder(deps: WatchFolderDeps, options: WatchFolderOptions = {}): Promise<WatchFolder> {
  const ctx = await prepare(deps, options);
  const stabilityMs = options.stabilityMs ?? deps.config.watchStabilityMs;
  const usePolling = options.usePolling ?? deps.config.watchPoll;
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>): void => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const claiming = new Set<string>();
  let ready = false;
  let closing = false;
  const watcher = openWatcher(ctx.dir, { stabilityMs, usePolling, pollIntervalMs: options.pollIntervalMs ?? 1_000 });
  watcher.on('add', (path) => {
    const name = basename(path);
    if (claiming.has(name)) return;
    claiming.add(name);
    // chokidar waits for a stable size only after 'ready'; files found by the first scan may still be growing.
    const stable = ready ? Promise.resolve(true) : waitUntilStable(resolve(path), stabilityMs, () => closing);
    const work = stable.then((ok) => (ok ? claimFile(ctx, resolve(path)) : undefined));
    track(work.catch((error: unknown) => ctx.log.error({ err: error, file: name }, 'could not claim a file')).finally(() => claiming.delete(name)));
  });
  watcher.on('error', (error) => ctx.log.warn({ err: error }, 'watched folder error'));
  await new Promise<void>((resolveReady) => watcher.once('ready', resolveReady));
  ready = true;
  const sweeper = startSweeper(ctx, options.sweepIntervalMs ?? 2_000, track);
  ctx.log.info({ dir: ctx.dir, stabilityMs, polling: usePolling }, 'watching folder');
  return {
    async close() {
      closing = true;
      sweeper.stop();
      await watcher.close();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** The folder itself only (depth 0: processing/, done/ and failed/ are not watched), candidates only. */
function openWatcher(dir: string, settings: { stabilityMs: number; usePolling: boolean; pollIntervalMs: number }): FSWatcher {
  return watch(dir, {
    depth: 0,
    ignoreInitial: false,
    // A link is reported as itself, never followed; the claim then refuses it (watch-claims.ts).
    followSymlinks: false,
    ignored: (path, stats) => resolve(path) !== dir && (stats?.isDirectory() === true || !isCandidate(basename(path))),
    awaitWriteFinish: { stabilityThreshold: settings.stabilityMs, pollInterval: stabilityPollMs(settings.stabilityMs) },
    usePolling: settings.usePolling,
    interval: settings.pollIntervalMs,
    binaryInterval: settings.pollIntervalMs,
  });
}

function stabilityPollMs(stabilityMs: number): number {
  return Math.max(20, Math.min(100, Math.floor(stabilityMs / 4)));
}

/** Resolves true once the file's size has not changed for `stabilityMs`; false if it vanished or we stop. */
async function waitUntilStable(path: string, stabilityMs: number, stopping: () => boolean): Promise<boolean> {
  let size = -1;
  let since = Date.now();
  while (!stopping()) {
    // lstat: a link is measured as itself (and then refused), never through.
    const info = await lstat(path).catch(() => undefined);
    if (!info) return false;
    if (info.size !== size) [size, since] = [info.size, Date.now()];
    else if (Date.now() - since >= stabilityMs) return true;
    await delay(stabilityPollMs(stabilityMs));
  }
  return false;
}

/** `*.csv`, not hidden, not a partial upload. */
export function isCandidate(name: string): boolean {
  return /\.csv$/i.test(name) && !name.startsWith('.') && !/\.(part|tmp)$/i.test(name);
}

async function prepare(deps: WatchFolderDeps, options: WatchFolderOptions): Promise<WatchContext> {
  const dir = deps.config.watchDir;
  if (!dir) throw new UserError(ErrorCodes.CONFIG_INVALID, 'WATCH_DIR: expected a folder to watch, got nothing');
  // A missing folder is more likely an unmounted volume than a folder to create.
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UserError(ErrorCodes.CONFIG_INVALID, `WATCH_DIR: expected an existing folder, got '${dir}'`);
  for (const sub of SUBFOLDERS) await mkdir(join(dir, sub), { recursive: true });
  return {
    config: deps.config, ledger: deps.ledger, queues: deps.queues,
    log: deps.log.child({ trigger: 'watch' }),
    dir: resolve(dir), realDir: await realpath(dir), processing: join(resolve(dir), 'processing'),
    orphanAfterMs: options.orphanAfterMs ?? 60_000,
    holder: newHolder(),
  };
}

/**
 * Claim: rename into a new `processing/<import id>/`. Renaming the same file succeeds for one
 * watcher only; the others get ENOENT and skip it silently.
 */
async function claimFile(ctx: WatchContext, path: string): Promise<void> {
  const name = basename(path);
  const id = newImportId();
  const dir = join(ctx.processing, id);
  await mkdir(dir);
  try {
    await rename(path, join(dir, name));
  } catch (error) {
    await rmdir(dir).catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Gone: another watcher took it. Still there: a sweep removed our folder as an orphan; claim again.
    if (await exists(path)) await claimFile(ctx, path);
    return;
  }
  const profile = `${stemOf(name)}.profile.json`;
  if (await exists(join(ctx.dir, profile))) await rename(join(ctx.dir, profile), join(dir, profile)).catch(() => undefined);
  ctx.log.info({ file: name, importId: id }, 'claimed a file');
  await registerClaim(ctx, { id, dir, name, importId: id });
}

/** Sweep now (files left by workers that died) and then every `intervalMs`, never two at once. */
function startSweeper(ctx: WatchContext, intervalMs: number, track: (work: Promise<void>) => void): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = (): void => {
    const work = sweepClaims(ctx).catch((error: unknown) => ctx.log.warn({ err: error }, 'sweep of processing/ failed'));
    track(work);
    void work.then(() => {
      if (!stopped) timer = setTimeout(run, intervalMs);
    });
  };
  run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
