/**
 * An https:// source that answers with redirects (src/storage/https-store.ts): followed up to 5 times,
 * on its own origin with RELSYNC_HTTP_AUTHORIZATION, to another origin (a bucket's pre-signed URL, a
 * CDN) without it; never to http://. A loop or too many redirects is one line naming the URL, exit 1,
 * nothing recorded; a hop is shown without its query, which may hold a signature. Two local HTTPS
 * servers on two ports (two origins) that one CA file trusts.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { startProcessHarness, useHarnessForAll, type ProcessHarness } from '../helpers/harness.js';
import { startHttps, type TestHttps } from '../helpers/https-server.js';
import { startRelsync } from '../helpers/relsync-process.js';

const TOKEN = 'Bearer redirect-test-token-5521';
const SIGNATURE = 'presigned-signature-Qm83vX';
const CSV = 'contact_ext_id,deal_ext_id,contact_role\nC-0001,D-0001,\nC-0002,D-0002,\n';

describe('an https:// source that redirects', () => {
  let home: TestHttps;
  let other: TestHttps;
  const harness = useHarnessForAll(async () => {
    home = await startHttps({ authorization: TOKEN });
    other = await startHttps({ tls: home.tls });
    const h = await startProcessHarness({ env: { ...home.env, RELSYNC_REMOTE_RETRY_MS: '10' } });
    const close = h.close;
    return { ...h, close: async () => { await close(); await Promise.all([home.close(), other.close()]); } } as ProcessHarness;
  });

  async function relsync(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string; output: string }> {
    const h = harness();
    const run = startRelsync(args, { ...h.env, LOG_LEVEL: 'trace' }, h.dir);
    return { code: await run.exited, stdout: run.stdout(), stderr: run.stderr(), output: run.output() };
  }

  /** The import's own copy of its input, as the CLI downloaded it. */
  async function copyOf(importId: string): Promise<string> {
    const record = await harness().runtime.ledger.getImport(importId);
    return readFile(record!.source, 'utf8');
  }

  it('follows redirects on its origin with the Authorization header', async () => {
    home.files.set('/exports/deals.csv', CSV);
    home.redirects.set('/old/deals.csv', { status: 301, location: '/moved/deals.csv' });
    home.redirects.set('/moved/deals.csv', { status: 308, location: home.url('/exports/deals.csv') });
    const run = await relsync(['import', home.url('/old/deals.csv')]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await copyOf(run.stdout.trim())).toBe(CSV);
    // The file's own path asks for the token: it was sent on every hop of the same origin.
    const hops = home.requests.filter((r) => r.path === '/exports/deals.csv');
    expect(hops.length).toBeGreaterThan(0);
    expect(hops.every((r) => r.authorization === TOKEN)).toBe(true);
  });

  it('follows a redirect to another origin without the Authorization header, and shows no signature', async () => {
    other.files.set('/bucket/deals.csv', CSV);
    home.redirects.set('/handoff/deals.csv', { status: 302, location: other.url(`/bucket/deals.csv?X-Amz-Signature=${SIGNATURE}&X-Amz-Expires=60`) });
    const run = await relsync(['import', home.url('/handoff/deals.csv')]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const id = run.stdout.trim();
    expect(await copyOf(id)).toBe(CSV);
    expect(other.requests.filter((r) => r.path.startsWith('/bucket/deals.csv')).map((r) => r.method)).toEqual(['HEAD', 'GET', 'HEAD']);
    expect(other.requests.filter((r) => r.authorization !== undefined)).toEqual([]);
    // The record names the URL the user gave; the signature is nowhere: not in the output at trace level, not in Redis.
    const record = await harness().runtime.ledger.getImport(id);
    expect(record?.originalPath).toBe(home.url('/handoff/deals.csv'));
    expect(JSON.stringify(record)).not.toContain(SIGNATURE);
    expect(run.output).not.toContain(SIGNATURE);
    expect(run.output).not.toContain(TOKEN);
  });

  /** Each refused redirect with the line it gives, once the servers are up. */
  function refusals(): Record<string, { path: string; setUp: () => void; line: string }> {
    return {
      'a redirect loop': {
        path: '/loop/a.csv',
        setUp: () => {
          home.redirects.set('/loop/a.csv', { status: 302, location: '/loop/b.csv' });
          home.redirects.set('/loop/b.csv', { status: 307, location: '/loop/a.csv' });
        },
        line: `${home.url('/loop/a.csv')}: a redirect loop (back to ${home.url('/loop/a.csv')}); give the file's final URL`,
      },
      'more than 5 redirects': {
        path: '/hop/0.csv',
        setUp: () => {
          for (let i = 0; i < 6; i += 1) home.redirects.set(`/hop/${i}.csv`, { status: 302, location: `/hop/${i + 1}.csv` });
          home.files.set('/hop/6.csv', CSV);
        },
        line: `${home.url('/hop/0.csv')}: more than 5 redirects (the last to ${home.url('/hop/6.csv')}); give the file's final URL`,
      },
      'a redirect to http://': {
        path: '/clear.csv',
        setUp: () => home.redirects.set('/clear.csv', { status: 301, location: other.url('/x.csv').replace('https:', 'http:') }),
        line: `${home.url('/clear.csv')}: redirected to ${other.url('/x.csv').replace('https:', 'http:')}: refused, a file is not fetched in the clear (only https:// redirects are followed)`,
      },
      'a pre-signed URL that is gone': {
        path: '/gone.csv',
        setUp: () => home.redirects.set('/gone.csv', { status: 303, location: other.url(`/bucket/gone.csv?X-Amz-Signature=${SIGNATURE}`) }),
        line: `${home.url('/gone.csv')}: no such file`,
      },
      'a pre-signed URL that expired': {
        path: '/expired.csv',
        setUp: () => {
          other.statuses.set('/bucket/expired.csv', 403);
          home.redirects.set('/expired.csv', { status: 302, location: other.url(`/bucket/expired.csv?X-Amz-Signature=${SIGNATURE}`) });
        },
        line: `${home.url('/expired.csv')}: refused (HTTP 403 at ${other.url('/bucket/expired.csv')}?***): RELSYNC_HTTP_AUTHORIZATION is not sent to another origin`,
      },
    };
  }

  it.each(['a redirect loop', 'more than 5 redirects', 'a redirect to http://', 'a pre-signed URL that is gone', 'a pre-signed URL that expired'])('%s: one line naming the URL, exit 1, nothing recorded', async (name) => {
    const h = harness();
    const before = await h.runtime.ledger.listImports(100);
    const { path, setUp, line } = refusals()[name]!;
    setUp();
    const run = await relsync(['import', home.url(path)]);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 1, stdout: '', stderr: `relsync: ${line}\n` });
    expect(run.output).not.toContain(SIGNATURE);
    expect(run.output).not.toContain(TOKEN);
    expect(await h.runtime.ledger.listImports(100)).toEqual(before);
  });
});
