/**
 * A connection that breaks mid-download starts the file again (src/storage/storage.ts
 * withRemoteRetries; the import's copy is only ever a whole file, src/usecases/input-snapshot.ts), and
 * a server that stays away is, after the last try, one line naming the URL. A TCP proxy in front of a
 * real sshd cuts the connection, or the sshd is killed, once a part of the file has gone through.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/cleanup.js';
import { startHarness, startProcessHarness } from '../helpers/harness.js';
import { startRelsync } from '../helpers/relsync-process.js';
import { startSshd } from '../helpers/sshd.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/** Few rows (few calls to the simulator) but a large file: a long note in each row. */
async function bigFile(path: string, contacts: string[], deals: string[]): Promise<{ rows: number; sha256: string }> {
  const note = 'x'.repeat(8_000);
  const lines = ['contact_ext_id,deal_ext_id,contact_role,note'];
  for (let i = 0; i < 200; i += 1) lines.push(`${contacts[i % 20]},${deals[i]},,${note}`);
  const text = `${lines.join('\n')}\n`;
  await writeFile(path, text);
  return { rows: 200, sha256: createHash('sha256').update(text).digest('hex') };
}

describe('a connection that breaks mid-download', () => {
  const closeAfter = useCleanup();

  it('is tried again from the start of the file, and the import ends as from a whole file', async () => {
    const sshd = closeAfter(await startSshd());
    let cuts = 0;
    const proxy = closeAfter(await startTcpProxy(`tcp://127.0.0.1:${sshd.port}`, {
      onDownstream: (bytes) => {
        if (bytes > 400_000 && cuts === 0) {
          cuts += 1;
          proxy.cut();
        }
      },
    }));
    await sshd.trustPort(proxy.port);
    const h = closeAfter(await startHarness({ env: { ...sshd.env, RELSYNC_REMOTE_RETRY_MS: '10' } }));
    const contacts = h.sim.dataset.contacts.map((c) => c.External_Contact_ID).filter((id) => /^C-\d+$/.test(id));
    const deals = h.sim.dataset.deals.map((d) => d.External_Deal_ID).filter((id) => /^D-\d+$/.test(id));
    const file = await bigFile(join(sshd.root, 'big.csv'), contacts, deals);

    const id = await h.importFile(sshd.urlVia(proxy.port, 'big.csv'));
    const record = await h.waitDone(id);
    expect(cuts).toBe(1);
    expect(proxy.connections()).toBe(2);
    expect(record.inputSha256).toBe(file.sha256);
    const report = await h.readReport(record.reportPath!);
    expect(report.map((row) => row._status)).toEqual(Array(file.rows).fill('success'));
  });

  it('to a server killed mid-file is tried again, then one line naming the URL, exit 1', async () => {
    const sshd = closeAfter(await startSshd());
    let killed = false;
    const proxy = closeAfter(await startTcpProxy(`tcp://127.0.0.1:${sshd.port}`, {
      onDownstream: (bytes) => {
        if (bytes > 400_000 && !killed) {
          killed = true;
          // sshd's per-connection process lives in a session of its own: the proxy breaks that
          // connection as the dead server's would be broken, and new ones find nothing to connect to.
          void sshd.kill().then(() => proxy.cut());
        }
      },
    }));
    await sshd.trustPort(proxy.port);
    const h = closeAfter(await startProcessHarness({ env: { ...sshd.env, RELSYNC_REMOTE_RETRY_MS: '10', RELSYNC_REMOTE_TIMEOUT_MS: '10000' } }));
    await bigFile(join(sshd.root, 'big.csv'), ['C-0001'], Array.from({ length: 200 }, (_, i) => `D-${String(i + 1).padStart(4, '0')}`));
    const url = sshd.urlVia(proxy.port, 'big.csv');

    const run = startRelsync(['import', url], { ...h.env, LOG_LEVEL: 'warn' }, h.dir);
    expect(await run.exited).toBe(1);
    expect(killed).toBe(true);
    expect(run.stdout()).toBe('');
    expect(run.stderr()).toMatch(new RegExp(`^relsync: ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot be reached \\([^)]+\\); gave up after 3 tries \\(RELSYNC_REMOTE_ATTEMPTS\\)\\n$`));
    // The first try broke mid-file; the two others found no server behind the proxy.
    expect(proxy.connections()).toBe(3);
    expect(await h.runtime.ledger.listImports(10)).toEqual([]);
  });
});
