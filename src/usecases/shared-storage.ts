/**
 * Shared storage (RELSYNC_STORAGE = `s3://bucket/prefix` or `sftp://user@host/path`): the one place the
 * CLI and every worker all reach, when they do not share a disk. The CLI uploads the import's own copy
 * of its input to `<storage>/inputs/<import id>.csv` (streaming, hashed on the way: input-snapshot.ts),
 * and the record names that URL as its source; a worker downloads it once to its own
 * `<REPORT_DIR>/.inputs/<import id>.csv` (`localInput`) and reads only that. Reports, errors files and
 * summaries are written locally, then uploaded to `<storage>/reports/` (`publishReport`), the summary
 * last; `relsync report <id> --out file` downloads them. Retention removes the copy in `inputs/` with
 * the import's records (`storedInputRemover`), never a report. Without RELSYNC_STORAGE: local paths, as before.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Config, RemoteSettings } from '../config/config.js';
import { ErrorCodes, UserError } from '../errors.js';
import type { ImportRecord, RunLedger } from '../ledger/run-ledger.js';
import { reportPaths } from '../report/report-writer.js';
import { childOf, formatLocation, isRemote, nameOf, parseLocation, type Location } from '../storage/location.js';
import { openStorage, withRemoteRetries, type Storage } from '../storage/storage.js';
import { downloadFile, dropSnapshot, snapshotDir, snapshotPath } from './input-snapshot.js';

/** RELSYNC_STORAGE's folder, or undefined when it is not set. */
export function sharedRoot(config: Pick<Config, 'storage'>): Location | undefined {
  return config.storage === undefined ? undefined : parseLocation(config.storage, 'RELSYNC_STORAGE');
}

/** Where an import's copy of its input lives in shared storage. */
export function sharedInputUrl(root: Location, importId: string): string {
  return formatLocation(childOf(root, `inputs/${importId}.csv`));
}

/** Where an import's report goes in shared storage (errors file and summary beside it). */
export function sharedReportUrl(root: Location, importId: string): string {
  return formatLocation(childOf(root, `reports/${importId}.report.csv`));
}

/**
 * The import's copy of its input in shared storage, if it has one: the record's source when that is a
 * copy named by the import's id (RELSYNC_STORAGE may have changed since); once Redis expired the record,
 * where RELSYNC_STORAGE puts it. Only a file named by the import's id: never a report, never a user's file.
 */
export function storedInputUrl(config: Pick<Config, 'storage'>, importId: string, record: Pick<ImportRecord, 'source'> | undefined): string | undefined {
  if (record) return isRemote(record.source) && nameOf(parseLocation(record.source, 'source')) === `${importId}.csv` ? record.source : undefined;
  const root = sharedRoot(config);
  return root ? sharedInputUrl(root, importId) : undefined;
}

/**
 * Removes imports' copies in shared storage (retention), each with one try through one connection
 * opened on first use: a store that is down is tried again at the next sweep, not waited for. A copy
 * already gone is fine. `close()` when done.
 */
export function storedInputRemover(config: Pick<Config, 'storage' | 'remote'>): { remove(importId: string, record: Pick<ImportRecord, 'source'> | undefined): Promise<void>; close(): Promise<void> } {
  let storage: Storage | undefined;
  return {
    async remove(importId, record) {
      const url = storedInputUrl(config, importId, record);
      if (!url) return;
      storage ??= openStorage(config.remote);
      await storage.remove(parseLocation(url, 'RELSYNC_STORAGE'));
    },
    close: async () => storage?.close(),
  };
}

/** A download younger than this is never removed as an orphan, whatever the ledger says. */
export const ORPHAN_COPY_MIN_AGE_MS = 3_600_000;

/**
 * With RELSYNC_STORAGE every worker that read an import keeps its own download in its
 * `<REPORT_DIR>/.inputs/`, and retention runs on one worker: each worker removes, every hour, its
 * downloads of imports whose records are gone (removed by retention, or expired by Redis). A download
 * is made only for a recorded import; one touched within the last hour is left alone all the same.
 * Returns the ids whose copies were removed.
 */
export async function dropOrphanCopies(reportDir: string, ledger: Pick<RunLedger, 'getImport'>, now: number = Date.now()): Promise<string[]> {
  const dropped: string[] = [];
  for (const name of await readdir(snapshotDir(reportDir)).catch(() => [] as string[])) {
    const id = /^(.+)\.csv$/.exec(name)?.[1];
    if (!id) continue;
    const info = await stat(snapshotPath(reportDir, id)).catch(() => undefined);
    if (!info?.isFile() || now - info.mtimeMs < ORPHAN_COPY_MIN_AGE_MS || (await ledger.getImport(id))) continue;
    await dropSnapshot(reportDir, id);
    dropped.push(id);
  }
  return dropped;
}

/**
 * The import's input as a local file: its copy itself, or — when the copy is in shared storage — that
 * copy downloaded once to `<REPORT_DIR>/.inputs/<id>.csv`, checked against the hash taken when it was
 * recorded (a copy that changed in storage is refused, never imported as another file).
 */
export async function localInput(config: Pick<Config, 'reportDir' | 'remote'>, record: Pick<ImportRecord, 'id' | 'source' | 'inputSha256' | 'originalPath' | 'sourceName'>): Promise<string> {
  if (!isRemote(record.source)) return record.source;
  const local = snapshotPath(config.reportDir, record.id);
  if (await stat(local).then((info) => info.isFile(), () => false)) return local;
  await mkdir(dirname(local), { recursive: true });
  const copy = await downloadFile(record.source, `${local}.download`, { shownAs: record.source, remote: config.remote });
  if (record.inputSha256 && copy.sha256 !== record.inputSha256) {
    await rm(copy.path, { force: true });
    throw new UserError(ErrorCodes.FILE_INVALID, `${record.source}: the import's copy of ${record.originalPath ?? record.sourceName} changed in RELSYNC_STORAGE since it was recorded; import the file again`);
  }
  await rename(copy.path, local);
  return local;
}

/** Where a report bound for shared storage is written first, on this machine. */
export function outgoingPath(reportDir: string, reportUrl: string): string {
  return join(reportDir, '.outgoing', nameOf(parseLocation(reportUrl, 'reportPath')));
}

/**
 * Upload the report written at `localPath` (with its errors file and summary, when there) to
 * `reportUrl`, the summary last — it says the report is complete — then remove the local files.
 */
export async function publishReport(remote: RemoteSettings, localPath: string, reportUrl: string): Promise<void> {
  const local = reportPaths(localPath);
  const target = reportPaths(reportUrl);
  const storage = openStorage(remote);
  try {
    for (const part of ['errors', 'report', 'summary'] as const) {
      if (!(await stat(local[part]).then(() => true, () => false))) continue;
      const location = parseLocation(target[part], 'reportPath');
      await withRemoteRetries(remote, location, () => storage.write(location, createReadStream(local[part])));
    }
  } finally {
    await storage.close();
  }
  await Promise.all(Object.values(local).map((path) => rm(path, { force: true })));
}

/**
 * Download a report from shared storage to `out` (its errors file and summary beside it, when there).
 * False when the report is not in storage (the worker could not write it: write it anew instead).
 */
export async function downloadReport(remote: RemoteSettings, reportUrl: string, out: string): Promise<boolean> {
  const source = reportPaths(reportUrl);
  const target = reportPaths(out);
  const storage = openStorage(remote);
  try {
    const report = parseLocation(source.report, 'reportPath');
    if (!(await storage.stat(report))) return false;
    await mkdir(dirname(out), { recursive: true });
    for (const part of ['report', 'errors', 'summary'] as const) {
      const location = parseLocation(source[part], 'reportPath');
      if (part !== 'report' && !(await storage.stat(location))) continue;
      await withRemoteRetries(remote, location, async () => pipeline(await storage.read(location), createWriteStream(target[part])));
    }
    return true;
  } finally {
    await storage.close();
  }
}
