/**
 * The worker's operations endpoints on RELSYNC_METRICS_HOST:RELSYNC_METRICS_PORT:
 * - `GET /metrics`: Prometheus text format (metrics.ts);
 * - `GET /healthz`: 200 while the process serves HTTP at all (liveness: restart it when this fails);
 * - `GET /readyz`: 200 when the worker can work — Redis answers a PING in time and it is not shutting
 *   down — else 503 with the reason (readiness: route no work to it, do not restart it).
 * No authentication: it listens on loopback unless told otherwise. Plain node:http, nothing to configure.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { RelsyncMetrics } from './metrics.js';

export type Readiness = { ready: true } | { ready: false; reason: string };

export interface OpsServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  metrics: RelsyncMetrics;
  readiness: () => Promise<Readiness>;
}

export interface OpsServer {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  close(): Promise<void>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((request, response) => {
    handle(options, request, response).catch(() => send(response, 500, 'text/plain; charset=utf-8', 'internal error\n'));
  });
  // A scraper's keep-alive connection must not hold up shutdown for long.
  server.keepAliveTimeout = 5_000;
  server.listen(options.port, options.host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function handle(options: OpsServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  switch (path) {
    case '/metrics': {
      const { contentType, body } = await options.metrics.exposition();
      return send(response, 200, contentType, body);
    }
    case '/healthz':
      return send(response, 200, 'text/plain; charset=utf-8', 'ok\n');
    case '/readyz': {
      const readiness = await options.readiness();
      return readiness.ready
        ? send(response, 200, 'text/plain; charset=utf-8', 'ready\n')
        : send(response, 503, 'text/plain; charset=utf-8', `not ready: ${readiness.reason}\n`);
    }
    default:
      return send(response, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /healthz or /readyz\n');
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
