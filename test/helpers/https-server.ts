/**
 * A local HTTPS server for the tests of https:// sources: a throwaway self-signed certificate for
 * 127.0.0.1 (made with openssl), which the client trusts through RELSYNC_HTTP_CA_FILE. It serves the
 * files put in it, answers the redirects put in it, and answers 401 without the expected Authorization
 * header when one is set. Every request is recorded, with the Authorization header it carried.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface TestHttps {
  url(path: string): string;
  /** RELSYNC_HTTP_CA_FILE (and RELSYNC_HTTP_AUTHORIZATION when one is required). */
  env: Record<string, string>;
  files: Map<string, string>;
  /** Path → the status (301, 302, 303, 307, 308) and Location answered there, before any file. */
  redirects: Map<string, { status: number; location: string }>;
  /** Path → a status answered there with no body (a 403 of a pre-signed URL that expired, say). */
  statuses: Map<string, number>;
  /** Every request so far: its method, path with query, and Authorization header. */
  requests: Array<{ method: string; path: string; authorization?: string }>;
  /** The certificate and key, for another server the same CA file trusts (another origin: another port). */
  tls: { key: Buffer; cert: Buffer };
  close(): Promise<void>;
}

export async function startHttps(options: { authorization?: string; tls?: { key: Buffer; cert: Buffer } } = {}): Promise<TestHttps> {
  const dir = await mkdtemp(join(tmpdir(), 'relsync-https-'));
  if (options.tls) {
    await writeFile(join(dir, 'key.pem'), options.tls.key);
    await writeFile(join(dir, 'cert.pem'), options.tls.cert);
  } else {
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  }
  const tls = { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) };
  const files = new Map<string, string>();
  const redirects = new Map<string, { status: number; location: string }>();
  const statuses = new Map<string, number>();
  const requests: TestHttps['requests'] = [];
  const server: Server = createServer(tls, (req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '/', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const redirect = redirects.get(path);
    if (redirect) return void res.writeHead(redirect.status, { location: redirect.location }).end();
    const status = statuses.get(path);
    if (status !== undefined) return void res.writeHead(status).end();
    if (options.authorization && req.headers.authorization !== options.authorization) return void res.writeHead(401).end();
    const body = files.get(path);
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': Buffer.byteLength(body), 'last-modified': new Date(0).toUTCString() });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    url: (path) => `https://127.0.0.1:${port}${path}`,
    env: { RELSYNC_HTTP_CA_FILE: join(dir, 'cert.pem'), ...(options.authorization ? { RELSYNC_HTTP_AUTHORIZATION: options.authorization } : {}) },
    files, redirects, statuses, requests, tls,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
