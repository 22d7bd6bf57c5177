/**
 * An SFTP private key that has a passphrase (RELSYNC_SFTP_KEY_PASSPHRASE, src/storage/sftp-store.ts),
 * against a real sshd: the right passphrase lets relsync in; a missing or wrong one is one line naming
 * RELSYNC_SFTP_KEY_FILE and what is wrong, exit 1, nothing recorded. The passphrase is a secret: it
 * is in no output (at LOG_LEVEL=trace) and in no Redis record.
 */
import { execFile } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startProcessHarness, useHarnessForAll, type ProcessHarness } from '../helpers/harness.js';
import { startRelsync } from '../helpers/relsync-process.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

/** Spaces inside and at its end: a passphrase is taken as it is, never trimmed. */
const PASSPHRASE = 'correct horse Kv39 staple ';
const WRONG = 'wrong-passphrase-Tz71';
const CSV = 'contact_ext_id,deal_ext_id,contact_role\nC-0001,D-0001,\n';

describe('an SFTP key with a passphrase', () => {
  let sshd: TestSshd;
  let keyFile: string;
  const harness = useHarnessForAll(async () => {
    sshd = await startSshd();
    const h = await startProcessHarness({ env: { ...sshd.env, RELSYNC_REMOTE_RETRY_MS: '10' } });
    // The key the server knows, encrypted with a passphrase (OpenSSH's own format, as ssh-keygen writes it).
    keyFile = join(h.dir, 'encrypted_key');
    await copyFile(sshd.env.RELSYNC_SFTP_KEY_FILE!, keyFile);
    await promisify(execFile)('ssh-keygen', ['-q', '-p', '-P', '', '-N', PASSPHRASE, '-f', keyFile]);
    await writeFile(join(sshd.root, 'deals.csv'), CSV);
    const close = h.close;
    return { ...h, close: async () => { await close(); await sshd.close(); } } as ProcessHarness;
  });

  async function importWith(env: Record<string, string>): Promise<{ code: number | string; stdout: string; stderr: string; output: string }> {
    const h = harness();
    const run = startRelsync(['import', sshd.url('deals.csv')], { ...h.env, LOG_LEVEL: 'trace', RELSYNC_SFTP_KEY_FILE: keyFile, ...env }, h.dir);
    return { code: await run.exited, stdout: run.stdout(), stderr: run.stderr(), output: run.output() };
  }

  it('reads the file with the right passphrase, and shows it nowhere', async () => {
    const run = await importWith({ RELSYNC_SFTP_KEY_PASSPHRASE: PASSPHRASE });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const record = await harness().runtime.ledger.getImport(run.stdout.trim());
    expect(record?.originalPath).toBe(sshd.url('deals.csv'));
    expect(run.output).not.toContain(PASSPHRASE.trim());
    expect(JSON.stringify(record)).not.toContain(PASSPHRASE.trim());
  });

  it.each([
    { name: 'no passphrase', env: {} as Record<string, string>, what: 'is encrypted with a passphrase: set RELSYNC_SFTP_KEY_PASSPHRASE' },
    { name: 'a wrong passphrase', env: { RELSYNC_SFTP_KEY_PASSPHRASE: WRONG }, what: 'does not open with RELSYNC_SFTP_KEY_PASSPHRASE: a wrong passphrase' },
    { name: 'the passphrase trimmed', env: { RELSYNC_SFTP_KEY_PASSPHRASE: PASSPHRASE.trim() }, what: 'does not open with RELSYNC_SFTP_KEY_PASSPHRASE: a wrong passphrase' },
  ])('$name: one line naming RELSYNC_SFTP_KEY_FILE, exit 1, nothing recorded', async ({ env, what }) => {
    const h = harness();
    const before = await h.runtime.ledger.listImports(100);
    const run = await importWith(env);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 1, stdout: '', stderr: `relsync: RELSYNC_SFTP_KEY_FILE: '${keyFile}' ${what}\n` });
    for (const secret of [PASSPHRASE.trim(), WRONG]) expect(run.output).not.toContain(secret);
    expect(await h.runtime.ledger.listImports(100)).toEqual(before);
  });
});
