/**
 * Retention with RELSYNC_STORAGE (src/usecases/prune-imports.ts, shared-storage.ts): `relsync prune`
 * removes a finished import's copy of its input in `<storage>/inputs/` with its Redis records, and
 * never its report, errors file or summary in `<storage>/reports/`. A store that cannot be reached
 * keeps the whole import — records, local copy, stored copy — for the next prune, with one line; once
 * it is back, the next prune removes it all; another worker's download of that input goes at its own
 * hourly sweep, once the records are gone. Once on an S3-compatible server, once on a real sshd,
 * each behind a TCP proxy that goes down for real.
 */
import { access, copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runPrune } from '../../src/cli/commands/prune-command.js';
import { rowOffsetsPath } from '../../src/csv/row-offsets.js';
import { snapshotPath } from '../../src/usecases/input-snapshot.js';
import { dropOrphanCopies, ORPHAN_COPY_MIN_AGE_MS } from '../../src/usecases/shared-storage.js';
import { captureIO } from '../helpers/cli-io.js';
import { useCleanup } from '../helpers/cleanup.js';
import { startHarness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';
import { startS3 } from '../helpers/s3-server.js';
import { startSshd } from '../helpers/sshd.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const DAY_MS = 86_400_000;
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

interface Store { env: Record<string, string>; storage: string; proxy: TcpProxy; isStored(key: string): Promise<boolean> }

const stores: Record<'s3' | 'sftp', (closeAfter: ReturnType<typeof useCleanup>) => Promise<Store>> = {
  async s3(closeAfter) {
    const s3 = closeAfter(await startS3());
    const proxy = closeAfter(await startTcpProxy(s3.endpoint));
    return {
      env: { ...s3.env, AWS_ENDPOINT_URL_S3: proxy.url }, storage: `s3://${s3.bucket}/relsync`, proxy,
      isStored: (key) => s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `relsync/${key}` })).then(() => true, () => false),
    };
  },
  async sftp(closeAfter) {
    const sshd = closeAfter(await startSshd());
    const proxy = closeAfter(await startTcpProxy(`tcp://127.0.0.1:${sshd.port}`));
    await sshd.trustPort(proxy.port);
    return { env: sshd.env, storage: sshd.urlVia(proxy.port, 'store'), proxy, isStored: (key) => exists(join(sshd.root, 'store', key)) };
  },
};

describe('retention with RELSYNC_STORAGE', () => {
  const closeAfter = useCleanup();

  it.each(['s3', 'sftp'] as const)('removes the stored input with the records, keeps the reports, and keeps it all while the store is down (%s)', async (kind) => {
    const store = await stores[kind](closeAfter);
    const h = closeAfter(await startHarness({ env: { ...store.env, RELSYNC_STORAGE: store.storage, RELSYNC_REMOTE_RETRY_MS: '10' } }));
    const pairs = await writePairs(h.sim, h.dir, 3, 2);
    const id = await h.importFile(pairs.path);
    const record = await h.waitDone(id);
    expect(record).toMatchObject({ state: 'done', source: `${store.storage}/inputs/${id}.csv`, reportPath: `${store.storage}/reports/${id}.report.csv` });
    const reports = [`reports/${id}.report.csv`, `reports/${id}.errors.csv`, `reports/${id}.summary.json`];
    for (const key of [`inputs/${id}.csv`, ...reports]) expect({ key, stored: await store.isStored(key) }).toEqual({ key, stored: true });
    // The worker's own download of the stored copy.
    expect(await exists(snapshotPath(h.config.reportDir, id))).toBe(true);
    const later = { now: () => record.finishedAt! + 30 * DAY_MS + 1 };
    // Another worker read this import too: its own download, in its own REPORT_DIR, with the rows' offsets.
    const otherDir = join(h.dir, 'other-worker');
    await mkdir(join(otherDir, '.inputs'), { recursive: true });
    for (const path of [snapshotPath(h.config.reportDir, id), rowOffsetsPath(snapshotPath(h.config.reportDir, id))]) {
      await copyFile(path, path.replace(h.config.reportDir, otherDir));
    }
    const otherCopies = (): Promise<string[]> => readdir(join(otherDir, '.inputs'));
    expect(await otherCopies()).toEqual([`${id}.csv`, `${id}.csv.rows`]);
    const hoursLater = Date.now() + 2 * ORPHAN_COPY_MIN_AGE_MS;
    // Its import is still recorded: kept, however old the copy.
    expect(await dropOrphanCopies(otherDir, h.runtime.ledger, hoursLater)).toEqual([]);

    // The store is down: the import is kept whole, with one line, and prune still ends well.
    await store.proxy.down();
    const down = captureIO(h.dir);
    expect(await runPrune(down, h.config, later)).toBe(0);
    expect(down.out()).toBe('');
    expect(down.err().split('\n')).toEqual([
      'removed the Redis records of 0 import(s) that ended more than 30 day(s) ago; their report files are kept',
      `kept 1 import(s) whose input copy in RELSYNC_STORAGE could not be removed (${store.storage}/inputs/${id}.csv: cannot be reached (ECONNREFUSED)); prune again once it can be reached`,
      '',
    ]);
    expect(await h.runtime.ledger.getImport(id)).toMatchObject({ id, state: 'done' });
    expect(await exists(snapshotPath(h.config.reportDir, id))).toBe(true);
    expect(await store.isStored(`inputs/${id}.csv`)).toBe(true);

    // Back: the next prune removes the records and both copies of the input, and no report.
    await store.proxy.up();
    const up = captureIO(h.dir);
    expect(await runPrune(up, h.config, later)).toBe(0);
    expect({ out: up.out(), err: up.err() }).toEqual({ out: `${id}\n`, err: 'removed the Redis records of 1 import(s) that ended more than 30 day(s) ago; their report files are kept\n' });
    expect(await h.runtime.ledger.getImport(id)).toBeUndefined();
    expect(await exists(snapshotPath(h.config.reportDir, id))).toBe(false);
    expect(await store.isStored(`inputs/${id}.csv`)).toBe(false);
    for (const key of reports) expect({ key, stored: await store.isStored(key) }).toEqual({ key, stored: true });

    // The other worker's hourly sweep: its copy of an import that is gone goes — once an hour old.
    expect(await dropOrphanCopies(otherDir, h.runtime.ledger)).toEqual([]);
    expect(await dropOrphanCopies(otherDir, h.runtime.ledger, hoursLater)).toEqual([id]);
    expect(await otherCopies()).toEqual([]);
  });
});
