/**
 * A watched folder on SFTP and on S3 (src/triggers/remote-watch-folder.ts) with two workers polling it:
 * every file dropped is imported once, and ends in done/ with its report (or in failed/ with the line
 * saying why); processing/ empties. The oracle lists the store with its own means (the disk behind the
 * sshd, the S3 client), the ledger and the simulator's call count.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startRemoteWatchFolder } from '../../src/triggers/remote-watch-folder.js';
import { useCleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness } from '../helpers/harness.js';
import { startS3 } from '../helpers/s3-server.js';
import { startSshd } from '../helpers/sshd.js';
import { csvText, validRows } from '../triggers/trigger-helpers.js';

interface Inbox { env: Record<string, string>; url: string; put(name: string, text: string): Promise<void>; names(sub: string): Promise<string[]>; read(sub: string, name: string): Promise<string> }

const inboxes: Record<'sftp' | 's3', (closeAfter: ReturnType<typeof useCleanup>) => Promise<Inbox>> = {
  async sftp(closeAfter) {
    const sshd = closeAfter(await startSshd());
    const dir = join(sshd.root, 'inbox');
    await mkdir(dir);
    return {
      env: sshd.env, url: sshd.url('inbox'),
      put: (name, text) => writeFile(join(dir, name), text),
      names: async (sub) => (await readdir(join(dir, sub), { withFileTypes: true }).catch(() => [])).filter((e) => e.isFile()).map((e) => e.name).sort(),
      read: (sub, name) => readFile(join(dir, sub, name), 'utf8'),
    };
  },
  async s3(closeAfter) {
    const s3 = closeAfter(await startS3());
    return {
      env: s3.env, url: `s3://${s3.bucket}/inbox`,
      put: (name, text) => s3.put(`inbox/${name}`, text),
      async names(sub) {
        const prefix = sub === '' ? 'inbox/' : `inbox/${sub}/`;
        const page = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, Delimiter: '/' }));
        return (page.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort();
      },
      read: async (sub, name) => (await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `inbox/${sub}/${name}` }))).Body!.transformToString(),
    };
  },
};

describe('a watched folder on a remote store, two workers', () => {
  const closeAfter = useCleanup();

  it.each(['sftp', 's3'] as const)('imports each file once and moves it to done/ with its report, or failed/ (%s)', async (kind) => {
    const inbox = await inboxes[kind](closeAfter);
    const h = closeAfter(await startHarness({ env: { ...inbox.env, WATCH_DIR: inbox.url, WATCH_STABILITY_MS: '100' } }));
    const second = await h.startWorkerRuntime();
    const quiet = pino({ level: 'silent' });
    for (const runtime of [h.runtime, second]) {
      closeAfter(await startRemoteWatchFolder({ config: h.config, ledger: runtime.ledger, queues: runtime.queues, log: quiet }, { pollIntervalMs: 50 }));
    }
    const files = ['a', 'b', 'c', 'd'].map((stem, i) => ({ name: `${stem}.csv`, text: csvText(validRows(h, 2, 1, i * 3)) }));
    for (const file of files) await inbox.put(file.name, file.text);
    await inbox.put('bad.csv', 'wrong,header\n1,2\n');
    await inbox.put('later.csv.part', 'still uploading');

    const expectedDone = files.flatMap((f) => ['.csv', '.errors.csv', '.report.csv', '.summary.json'].map((ext) => f.name.replace('.csv', ext))).sort();
    await eventually('every file moved out of the inbox and processing/', async () => {
      const [top, processing, done, failed] = await Promise.all([inbox.names(''), inbox.names('processing'), inbox.names('done'), inbox.names('failed')]);
      return top.join() === 'later.csv.part' && processing.length === 0 && done.join() === expectedDone.join() && failed.join() === 'bad.csv,bad.error.txt';
    }, { timeoutMs: 60_000 });

    const imports = (await h.runtime.ledger.listImports(100)).filter((r) => r.origin === 'watch');
    expect(imports.map((r) => r.sourceName).sort()).toEqual(files.map((f) => f.name));
    expect(imports.every((r) => r.state === 'done' && r.success === 2)).toBe(true);
    // Two calls per file (two contacts): nothing was imported twice.
    expect(h.sim.counters.calls).toBe(files.length * 2);
    for (const file of files) {
      const report = await inbox.read('done', file.name.replace('.csv', '.report.csv'));
      expect(report.trim().split('\n')).toHaveLength(3);
      expect(await inbox.read('done', file.name)).toBe(file.text);
    }
    expect(await inbox.read('failed', 'bad.error.txt')).toMatch(/^.*bad\.csv.*contact_ext_id.*\n$/);
  });
});
