/**
 * A local HTTPS server for the tests of https:// sources: a throwaway self-signed certificate for
 * 127.0.0.1 (made with openssl), which the client trusts through RELSYNC_HTTP_CA_FILE. It serves the
 * files put in it, and answers 401 without the expected Authorization header when one is set.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
  close(): Promise<void>;
}

export async function startHttps(options: { authorization?: string } = {}): Promise<TestHttps> {
  const dir = await mkdtemp(join(tmpdir(), 'relsync-https-'));
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  const files = new Map<string, string>();
  const server: Server = createServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (req, res) => {
    if (options.authorization && req.headers.authorization !== options.authorization) return void res.writeHead(401).end();
    const body = files.get(new URL(req.url ?? '/', 'https://x').pathname);
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
    files,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
