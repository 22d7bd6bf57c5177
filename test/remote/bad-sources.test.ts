/**
 * A source URL relsync cannot use is one line on stderr naming it, and exit 1 — never a stack, never
 * a credential — and nothing is recorded: an unreachable host, a key the server refuses, a host key
 * that is not known, a missing object or file, a refused HTTPS request, credentials inside the URL.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startProcessHarness, useHarnessForAll, type ProcessHarness } from '../helpers/harness.js';
import { startHttps, type TestHttps } from '../helpers/https-server.js';
import { startRelsync } from '../helpers/relsync-process.js';
import { freePort } from '../helpers/redis-server.js';
import { startS3, type TestS3 } from '../helpers/s3-server.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

describe('a source URL relsync cannot use', () => {
  let sshd: TestSshd;
  let s3: TestS3;
  let https: TestHttps;
  const harness = useHarnessForAll(async () => {
    [sshd, s3, https] = await Promise.all([startSshd(), startS3(), startHttps({ authorization: 'Bearer secret-http-token-1234' })]);
    const h = await startProcessHarness({ env: { ...sshd.env, ...s3.env, ...https.env, RELSYNC_REMOTE_RETRY_MS: '10' } });
    const close = h.close;
    return { ...h, close: async () => { await close(); await Promise.all([sshd.close(), s3.close(), https.close()]); } } as ProcessHarness;
  });

  async function relsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
    const h = harness();
    const run = startRelsync(args, { ...h.env, LOG_LEVEL: 'warn', ...env }, h.dir);
    return { code: await run.exited, stdout: run.stdout(), stderr: run.stderr() };
  }

  /** Each case with the values it needs once the servers are up. */
  function cases(): Array<{ args: string[]; env?: Record<string, string>; line: string }> {
    const closedPort = closed;
    return [
      {
        args: ['import', `sftp://${sshd.user}@127.0.0.1:${closedPort}/data/deals.csv`],
        line: `relsync: sftp://${sshd.user}@127.0.0.1:${closedPort}/data/deals.csv: cannot be reached (ECONNREFUSED); gave up after 3 tries (RELSYNC_REMOTE_ATTEMPTS)`,
      },
      {
        args: ['import', sshd.url('deals.csv')],
        env: { RELSYNC_SFTP_KEY_FILE: sshd.strangerKeyFile },
        line: `relsync: ${sshd.url('deals.csv')}: the server refused the key in RELSYNC_SFTP_KEY_FILE (${sshd.strangerKeyFile}) for user ${sshd.user}`,
      },
      {
        args: ['import', sshd.url('deals.csv')],
        env: { RELSYNC_SFTP_KNOWN_HOSTS: '' },
        line: `relsync: ${sshd.url('deals.csv')}: unknown host [127.0.0.1]:${sshd.port}: RELSYNC_SFTP_KNOWN_HOSTS is not set; add the host's key with: ssh-keyscan -p ${sshd.port} 127.0.0.1 >> known_hosts and set RELSYNC_SFTP_KNOWN_HOSTS to that file`,
      },
      { args: ['import', sshd.url('nope.csv')], line: `relsync: ${sshd.url('nope.csv')}: no such file` },
      { args: ['import', `s3://${s3.bucket}/exports/missing.csv`], line: `relsync: s3://${s3.bucket}/exports/missing.csv: no such file` },
      { args: ['import', https.url('/deals.csv'), '--dry-run'], env: { RELSYNC_HTTP_AUTHORIZATION: 'Bearer wrong-token-abcdef' }, line: `relsync: ${https.url('/deals.csv')}: refused (HTTP 401): check RELSYNC_HTTP_AUTHORIZATION` },
      {
        args: ['import', `sftp://${sshd.user}:hunter2-password@127.0.0.1:${sshd.port}/x.csv`],
        line: `relsync: file: credentials inside a URL are refused ('sftp://${sshd.user}:***@127.0.0.1:${sshd.port}/x.csv'): the private key comes from the file named by RELSYNC_SFTP_KEY_FILE`,
      },
      {
        args: ['import', 'https://user:pa55word-in-url@127.0.0.1/x.csv'],
        line: `relsync: file: credentials inside a URL are refused ('https://***:***@127.0.0.1/x.csv'): an Authorization header value comes from RELSYNC_HTTP_AUTHORIZATION`,
      },
      { args: ['import', 'http://127.0.0.1/x.csv'], line: `relsync: file: expected https:// (a file is not fetched in the clear), got 'http://127.0.0.1/x.csv'` },
    ];
  }

  let closed = 0;
  const names = ['unreachable host', 'key refused', 'unknown host key', 'no such file (sftp)', 'no such object (s3)', 'HTTP 401', 'password in an sftp URL', 'user and password in an https URL', 'http://'];

  it.each(names.map((name, index) => ({ name, index })))('$name: one line, exit 1, nothing recorded', async ({ index }) => {
    const h = harness();
    await writeFile(join(sshd.root, 'deals.csv'), 'contact_ext_id,deal_ext_id,contact_role\nC-0001,D-0001,\n');
    closed ||= await freePort();
    const { args, env, line } = cases()[index]!;
    const run = await relsync(args, env);
    expect({ args, run }).toEqual({ args, run: { code: 1, stdout: '', stderr: `${line}\n` } });
    expect(run.stderr).not.toMatch(/hunter2|pa55word|wrong-token|secret-http-token|S3RVER/);
    expect(await h.runtime.ledger.listImports(10)).toEqual([]);
  });
});
