/**
 * A watched folder on SFTP or S3 (WATCH_DIR = `sftp://user@host/path` or `s3://bucket/prefix`): the
 * same meaning as the local one (watch-folder.ts, docs/contract.md#watched-folder) through the one
 * storage interface (src/storage/), polled, since a remote store sends no events.
 *
 * - A `*.csv` (not hidden, not `.part`/`.tmp`) is taken once two polls `WATCH_STABILITY_MS` apart
 *   saw the same size and modification time.
 * - Claim: under a Redis lease on the file's URL, it is moved to `processing/<import id>.<name>` — a
 *   rename on SFTP, a copy then a delete on S3. The lease makes the copy-then-delete safe with
 *   several workers; a move that finds the file gone means another worker has it.
 * - The claimed file is registered as an import from its URL (downloaded once into the import's copy);
 *   its report is written beside it in processing/.
 * - Every poll also sweeps processing/: a claim whose import ended moves to `done/` or `failed/`
 *   (`<stem>.error.txt` saying why), with its report, errors file and summary, under a lease, the CSV
 *   last; a claim left unregistered by a worker that died is registered by any watcher after a minute.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Queues } from '../app/queues.js';
import { registrationFor } from '../app/queues.js';
import type { Config } from '../config/config.js';
import { isUserError, oneLine } from '../errors.js';
import type { RunLedger } from '../ledger/run-ledger.js';
import { BUILTIN_PROFILES } from '../profile/profile.js';
import { childOf, formatLocation, parseLocation, type Location } from '../storage/location.js';
import { openStorage, type FileInfo, type Storage } from '../storage/storage.js';
import { newImportId } from '../usecases/import-record.js';
import { registerImport } from '../usecases/register-import.js';
import { isCandidate } from './watch-folder.js';

export interface RemoteWatchDeps {
  config: Config;
  ledger: RunLedger;
  queues: Queues;
  log: Logger;
}

export interface RemoteWatchOptions {
  /** How often the folder is listed, ms. Default 2000. */
  pollIntervalMs?: number;
  /** A file is taken once unchanged for this long, ms. Default WATCH_STABILITY_MS. */
  stabilityMs?: number;
  /** A claim with no import registered this long after it was made is adopted, ms. Default 60000. */
  orphanAfterMs?: number;
}

const CLAIM = /^(imp-\d{8}-\d{6}-[0-9a-f]{6})\.(.+)$/;
const LEASE_MS = 60_000;

interface Context {
  deps: RemoteWatchDeps;
  storage: Storage;
  dir: Location;
  log: Logger;
  holder: string;
  stabilityMs: number;
  orphanAfterMs: number;
  /** Candidates seen, by name: size and time, and since when unchanged. */
  seen: Map<string, { size: number; mtimeMs: number; since: number }>;
}

export async function startRemoteWatchFolder(deps: RemoteWatchDeps, options: RemoteWatchOptions = {}): Promise<{ close(): Promise<void> }> {
  const dir = parseLocation(deps.config.watchDir!, 'WATCH_DIR');
  const ctx: Context = {
    deps, dir, storage: openStorage(deps.config.remote), log: deps.log.child({ trigger: 'watch' }), holder: randomBytes(6).toString('hex'),
    stabilityMs: options.stabilityMs ?? deps.config.watchStabilityMs, orphanAfterMs: options.orphanAfterMs ?? 60_000, seen: new Map(),
  };
  // One look now: a wrong key or an unknown host is one line at start, not a silent loop.
  await ctx.storage.list(dir);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = (): void => {
    running = poll(ctx).catch((error: unknown) => ctx.log.warn({ err: error, dir: formatLocation(dir) }, 'could not look at the watched folder; trying again'))
      .then(() => {
        if (!stopped) timer = setTimeout(tick, options.pollIntervalMs ?? 2_000);
      });
  };
  tick();
  ctx.log.info({ dir: formatLocation(dir), stabilityMs: ctx.stabilityMs }, 'watching a remote folder (polling)');
  return {
    async close() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await ctx.storage.close();
    },
  };
}

async function poll(ctx: Context): Promise<void> {
  const now = Date.now();
  const files = (await ctx.storage.list(ctx.dir)).filter((file) => isCandidate(file.name));
  for (const name of [...ctx.seen.keys()]) if (!files.some((file) => file.name === name)) ctx.seen.delete(name);
  for (const file of files) {
    const before = ctx.seen.get(file.name);
    if (!before || before.size !== file.size || before.mtimeMs !== file.mtimeMs) {
      ctx.seen.set(file.name, { size: file.size, mtimeMs: file.mtimeMs, since: now });
      continue;
    }
    if (now - before.since < ctx.stabilityMs) continue;
    ctx.seen.delete(file.name);
    await claim(ctx, file).catch((error: unknown) => ctx.log.error({ err: error, file: file.name }, 'could not claim a file'));
  }
  await sweep(ctx);
}

const folder = (ctx: Context, name: 'processing' | 'done' | 'failed'): Location => childOf(ctx.dir, name);

async function claim(ctx: Context, file: FileInfo): Promise<void> {
  const lease = `watch-claim:${formatLocation(file.location)}`;
  if (!(await ctx.deps.ledger.takeLease(lease, ctx.holder, LEASE_MS))) return;
  const id = newImportId();
  try {
    if (!(await ctx.storage.move(file.location, childOf(folder(ctx, 'processing'), `${id}.${file.name}`)))) return;
  } finally {
    await ctx.deps.ledger.releaseLease(lease, ctx.holder);
  }
  ctx.log.info({ file: file.name, importId: id }, 'claimed a file');
  await register(ctx, id, file.name);
}

async function register(ctx: Context, id: string, name: string): Promise<void> {
  const processing = folder(ctx, 'processing');
  const stem = name.replace(/\.csv$/i, '');
  // WATCH_PROFILE: a built-in name, or a path relative to the worker's working folder.
  const profile = Object.hasOwn(BUILTIN_PROFILES, ctx.deps.config.watchProfile) ? ctx.deps.config.watchProfile : resolve(ctx.deps.config.watchProfile);
  try {
    await registerImport(registrationFor(ctx.deps.config, ctx.deps), {
      file: formatLocation(childOf(processing, `${id}.${name}`)), profile, origin: 'watch', cwd: process.cwd(),
      reportPath: formatLocation(childOf(processing, `${id}.${stem}.report.csv`)), importId: id, sourceName: name, force: false,
    });
    ctx.log.info({ file: name, importId: id }, 'import registered');
  } catch (error) {
    if (!isUserError(error)) throw error;
    ctx.log.warn({ file: name, reason: oneLine(error) }, 'cannot import this file; moving it to failed/');
    await ctx.storage.write(childOf(processing, `${id}.${stem}.error.txt`), Readable.from([`${oneLine(error)}\n`]));
    await finish(ctx, id, name, 'failed');
  }
}

/** Every claim in processing/: finish the ended, adopt the orphaned. */
async function sweep(ctx: Context): Promise<void> {
  const files = await ctx.storage.list(folder(ctx, 'processing'));
  const names = new Set(files.map((file) => file.name));
  for (const file of files) {
    const match = CLAIM.exec(file.name);
    if (!match || !isCandidate(match[2]!) || /\.(report|errors)\.csv$/i.test(match[2]!)) continue;
    const [, id, name] = match as unknown as [string, string, string];
    const stem = name.replace(/\.csv$/i, '');
    try {
      if (names.has(`${id}.${stem}.error.txt`)) { await finish(ctx, id, name, 'failed'); continue; }
      const record = await ctx.deps.ledger.getImport(id);
      if (record?.state === 'done' || record?.state === 'failed') await finish(ctx, id, name, record.state, record.failedReason);
      else if (!record && Date.now() - file.mtimeMs > ctx.orphanAfterMs) await register(ctx, id, name);
    } catch (error) {
      ctx.log.warn({ err: error, claim: file.name }, 'could not look at a claim in processing/; will try again');
    }
  }
}

/** Move a claim's files to done/ or failed/, the CSV last; once, under a lease. */
async function finish(ctx: Context, id: string, name: string, outcome: 'done' | 'failed', reason?: string): Promise<void> {
  const lease = `watch-finish:${id}`;
  if (!(await ctx.deps.ledger.takeLease(lease, ctx.holder, LEASE_MS))) return;
  try {
    const processing = folder(ctx, 'processing');
    const stem = name.replace(/\.csv$/i, '');
    if (outcome === 'failed' && reason && !(await ctx.storage.stat(childOf(processing, `${id}.${stem}.error.txt`)))) {
      await ctx.storage.write(childOf(processing, `${id}.${stem}.error.txt`), Readable.from([`${reason.replace(/\s*\n\s*/g, ' ')}\n`]));
    }
    const target = folder(ctx, outcome);
    const taken = Boolean(await ctx.storage.stat(childOf(target, name)));
    const targetStem = taken ? `${stem}.${id}` : stem;
    const companions = ['report.csv', 'errors.csv', 'summary.json', 'error.txt'].map((ext) => `${stem}.${ext}`);
    for (const file of [...companions, name]) {
      await ctx.storage.move(childOf(processing, `${id}.${file}`), childOf(target, `${targetStem}${file.slice(stem.length)}`));
    }
    if (await ctx.deps.ledger.getImport(id)) {
      await ctx.deps.ledger.update(id, {
        originalPath: formatLocation(childOf(target, `${targetStem}${name.slice(stem.length)}`)),
        reportPath: formatLocation(childOf(target, `${targetStem}.report.csv`)),
      });
    }
    ctx.log.info({ file: name, importId: id, to: formatLocation(target) }, `watched file ${outcome}`);
  } finally {
    await ctx.deps.ledger.releaseLease(lease, ctx.holder);
  }
}
