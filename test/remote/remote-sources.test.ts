/**
 * Sources by URL (src/storage/): an import from sftp://, s3:// and https:// gives the same report as
 * the same file imported from the local disk — against a real OpenSSH server, an S3-compatible server
 * (s3rver) and a local HTTPS server, all on loopback. The file is downloaded once into the import's
 * own copy (src/usecases/input-snapshot.ts), so every later step is the local file's.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDryRun } from '../../src/cli/commands/dry-run-command.js';
import { captureIO } from '../helpers/cli-io.js';
import { startHarness, useHarnessForAll, type Harness } from '../helpers/harness.js';
import { startHttps, type TestHttps } from '../helpers/https-server.js';
import { writePairs } from '../helpers/pairs.js';
import { startS3, type TestS3 } from '../helpers/s3-server.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

interface Servers { sshd: TestSshd; s3: TestS3; https: TestHttps }

describe('an import from an sftp://, s3:// or https:// URL', () => {
  let servers: Servers;
  const harness = useHarnessForAll(async () => {
    const [sshd, s3, https] = await Promise.all([startSshd(), startS3(), startHttps({ authorization: 'Bearer test-http-token-value' })]);
    servers = { sshd, s3, https };
    const h = await startHarness({ env: { ...sshd.env, ...s3.env, ...https.env } });
    const close = h.close;
    return { ...h, close: async () => { await close(); await Promise.all([sshd.close(), s3.close(), https.close()]); } } as Harness;
  });

  /** Pairs with a duplicate and a row missing its deal, so the report has all three statuses. */
  async function sampleCsv(h: Harness): Promise<string> {
    const pairs = await writePairs(h.sim, h.dir, 6, 3, 'pairs.csv');
    const text = await readFile(pairs.path, 'utf8');
    const lines = text.trimEnd().split('\n');
    return [...lines, lines[2], 'C-0001,,', ''].join('\n');
  }

  /** The report of one import against a simulator back at its start, so each import links anew. */
  async function reportOf(h: Harness, file: string): Promise<Array<Record<string, string>>> {
    h.sim.reset();
    const id = await h.importFile(file);
    const record = await h.waitDone(id);
    expect(record.state).toBe('done');
    return h.readReport(record.reportPath!);
  }

  it('gives the same report as the local file, for each kind of URL', async () => {
    const h = harness();
    const csv = await sampleCsv(h);
    await writeFile(join(h.dir, 'local.csv'), csv);
    await writeFile(join(servers.sshd.root, 'deals.csv'), csv);
    await servers.s3.put('exports/deals.csv', csv);
    servers.https.files.set('/exports/deals.csv', csv);

    const local = await reportOf(h, 'local.csv');
    expect(local.map((row) => row._status)).toContain('error');
    expect(local.map((row) => row._status)).toContain('skipped');
    for (const url of [servers.sshd.url('deals.csv'), `s3://${servers.s3.bucket}/exports/deals.csv`, servers.https.url('/exports/deals.csv')]) {
      expect({ url, report: await reportOf(h, url) }).toEqual({ url, report: local });
    }
  });

  it('records the URL as the file the user gave, and its name as the source', async () => {
    const h = harness();
    await writeFile(join(servers.sshd.root, 'named.csv'), await sampleCsv(h));
    const id = await h.importFile(servers.sshd.url('named.csv'));
    const record = await h.waitDone(id);
    expect({ originalPath: record.originalPath, sourceName: record.sourceName }).toEqual({ originalPath: servers.sshd.url('named.csv'), sourceName: 'named.csv' });
    expect(record.source).toBe(join(h.config.reportDir, '.inputs', `${id}.csv`));
  });

  it('plans a dry run of a URL as of the local file, and leaves no download behind', async () => {
    const h = harness();
    const csv = await sampleCsv(h);
    await writeFile(join(h.dir, 'plan.csv'), csv);
    await servers.s3.put('exports/plan.csv', csv);
    const run = async (file: string): Promise<{ code: number; out: string; report: string }> => {
      const io = captureIO(h.dir);
      const code = await runDryRun(io, h.config, file, { profile: 'contacts-deals' });
      return { code, out: io.out().replace(file, '<file>'), report: await readFile(join(h.config.reportDir, 'plan.dry-run.csv'), 'utf8') };
    };
    const local = await run('plan.csv');
    expect(await run(`s3://${servers.s3.bucket}/exports/plan.csv`)).toEqual(local);
    expect(local.out).toContain('API calls:');
    expect(await readdir(join(h.config.reportDir, '.spool')).catch(() => [])).toEqual([]);
  });
});
