/**
 * Shared storage (RELSYNC_STORAGE, src/usecases/shared-storage.ts): a CLI and a worker that share no
 * disk. The CLI registers an import from its own folder, which is then removed — no worker could read
 * it — and a worker process with another REPORT_DIR completes it through the store; the report is in
 * the store, and `relsync report <id> --out` brings it back. Once on an S3-compatible server, once on
 * a real sshd.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/cleanup.js';
import { startProcessHarness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';
import { startRelsync } from '../helpers/relsync-process.js';
import { startS3 } from '../helpers/s3-server.js';
import { startSshd } from '../helpers/sshd.js';

interface Store { env: Record<string, string>; storage: string; readStored(key: string): Promise<string>; secrets: string[] }

const stores: Record<'s3' | 'sftp', (closeAfter: ReturnType<typeof useCleanup>) => Promise<Store>> = {
  async s3(closeAfter) {
    const s3 = closeAfter(await startS3());
    return {
      env: s3.env, storage: `s3://${s3.bucket}/relsync`, secrets: [s3.env.AWS_SECRET_ACCESS_KEY!],
      readStored: async (key) => (await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `relsync/${key}` }))).Body!.transformToString(),
    };
  },
  async sftp(closeAfter) {
    const sshd = closeAfter(await startSshd());
    // A line from the middle of the private key: none of it may reach a log.
    const key = (await readFile(sshd.env.RELSYNC_SFTP_KEY_FILE!, 'utf8')).split('\n')[2]!;
    return { env: sshd.env, storage: sshd.url('store'), readStored: (key) => readFile(join(sshd.root, 'store', key), 'utf8'), secrets: [key] };
  },
};

describe('shared storage between a CLI and workers that share no disk', () => {
  const closeAfter = useCleanup();

  it.each(['s3', 'sftp'] as const)('completes an import registered from a folder the worker cannot read, and report --out brings it back (%s)', async (kind) => {
    const store = await stores[kind](closeAfter);
    const h = closeAfter(await startProcessHarness({ env: { ...store.env, RELSYNC_STORAGE: store.storage } }));
    const cliDir = await mkdtemp(join(tmpdir(), 'relsync-cli-'));
    closeAfter(() => rm(cliDir, { recursive: true, force: true }));
    const pairs = await writePairs(h.sim, cliDir, 4, 3, 'deals.csv');
    const cliEnv = { ...h.env, REPORT_DIR: join(cliDir, 'reports'), IMPORT_ROOT: cliDir, LOG_LEVEL: 'warn' };

    const registered = startRelsync(['import', 'deals.csv'], cliEnv, cliDir);
    expect({ code: await registered.exited, stderr: registered.stderr() }).toEqual({ code: 0, stderr: '' });
    const id = registered.stdout().trim();
    // The CLI's folder is gone before any worker runs: only the store holds the input now.
    await rm(cliDir, { recursive: true, force: true });

    const [worker] = await h.spawnWorkers(1, { logLevel: 'trace' });
    const record = await h.waitDone(id);
    expect(record.state).toBe('done');
    expect(record.reportPath).toBe(`${store.storage}/reports/${id}.report.csv`);
    const stored = await store.readStored(`reports/${id}.report.csv`);

    const outDir = await mkdtemp(join(tmpdir(), 'relsync-out-'));
    closeAfter(() => rm(outDir, { recursive: true, force: true }));
    const fetched = startRelsync(['report', id, '--out', 'got.csv'], { ...cliEnv, REPORT_DIR: join(outDir, 'reports'), IMPORT_ROOT: outDir }, outDir);
    expect({ code: await fetched.exited, stdout: fetched.stdout(), stderr: fetched.stderr() })
      .toEqual({ code: 0, stdout: `${join(outDir, 'got.csv')}\n`, stderr: `${pairs.rows} rows: ${pairs.rows} success, 0 error, 0 skipped\n` });
    const got = await readFile(join(outDir, 'got.csv'), 'utf8');
    expect(got).toBe(stored);
    const rows = (await h.readReport(join(outDir, 'got.csv'))).map((row) => row._status);
    expect(rows).toEqual(Array(pairs.rows).fill('success'));
    expect(JSON.parse(await readFile(join(outDir, 'got.summary.json'), 'utf8'))).toMatchObject({ rows: pairs.rows, success: pairs.rows });
    // The worker's whole log at trace level, and every CLI line, hold no key and no secret.
    const seen = [worker!.output(), registered.output(), fetched.output()].join('\n');
    expect(seen).toContain(id);
    for (const secret of store.secrets) expect(seen).not.toContain(secret);
  });

  it.each(['s3', 'sftp'] as const)('import --wait --report <path> writes the report to the store and copies it to the path; without --wait, one line (%s)', async (kind) => {
    const store = await stores[kind](closeAfter);
    const h = closeAfter(await startProcessHarness({ env: { ...store.env, RELSYNC_STORAGE: store.storage } }));
    const pairs = await writePairs(h.sim, h.dir, 3, 2, 'deals.csv');
    const env = { ...h.env, LOG_LEVEL: 'warn' };
    const wanted = join(h.dir, 'out', 'deals.report.csv');

    // Without --wait no one would make the copy: refused before anything is recorded.
    const refused = startRelsync(['import', 'deals.csv', '--report', 'out/deals.report.csv'], env, h.dir);
    expect({ code: await refused.exited, stdout: refused.stdout(), stderr: refused.stderr() }).toEqual({
      code: 1, stdout: '',
      stderr: `relsync: --report: with RELSYNC_STORAGE the report is written to ${store.storage}/reports/, where every worker reaches it; add --wait to also copy it to ${wanted} when the import ends, or bring it later with relsync report <id> --out ${wanted}\n`,
    });
    expect(await h.runtime.ledger.listImports(10)).toEqual([]);

    await h.spawnWorkers(1);
    const waited = startRelsync(['import', 'deals.csv', '--wait', '--report', 'out/deals.report.csv'], env, h.dir);
    expect(await waited.exited).toBe(0);
    const id = waited.stdout().trim();
    expect(waited.stderr()).toContain(`done: ${pairs.rows} rows: ${pairs.rows} success, 0 error, 0 skipped`);
    expect(waited.stderr().trimEnd().split('\n').slice(-2)).toEqual([`report: ${store.storage}/reports/${id}.report.csv`, `report copied to ${wanted}`]);
    // The store has the report, as without --report; the path has the same bytes, and its companions beside it.
    expect(await readFile(wanted, 'utf8')).toBe(await store.readStored(`reports/${id}.report.csv`));
    expect(await readFile(join(h.dir, 'out', 'deals.errors.csv'), 'utf8')).toBe(await store.readStored(`reports/${id}.errors.csv`));
    expect(JSON.parse(await readFile(join(h.dir, 'out', 'deals.summary.json'), 'utf8'))).toMatchObject({ importId: id, rows: pairs.rows, success: pairs.rows });
  });
});
