/**
 * The web dashboard: Bull Board over the `imports`, `sync` and `webhooks` queues, served by express.
 *
 * Safety, because Bull Board has no authentication of its own:
 * - It binds to 127.0.0.1 by default. Job data holds CSV values (the `import` job may carry the whole
 *   file inline, `sync-calls` jobs carry external ids and relation fields, shown unpacked), so it must not be reachable
 *   from the network unless an operator asks for it with `host`, and then only with
 *   RELSYNC_DASHBOARD_TOKEN set: it refuses to start without, and asks every request for it
 *   (dashboard-guard.ts). Job data never holds Zoho tokens or the client secret: tokens live only in
 *   the token provider, and failure reasons are redacted (src/zoho/redact.ts).
 * - It is read-only by default: retry, clean, pause, empty and obliterate are actions on production
 *   queues, and an accidental "obliterate" would lose imports; `allowActions` turns them on. Every
 *   action must pass the CSRF checks of dashboard-guard.ts, so a page on another site cannot make the
 *   operator's browser take one.
 * - On a loopback address, requests whose Host header names another host are refused, so that a web
 *   page the operator visits cannot read the board through DNS rebinding.
 * - The page loads nothing from the internet (local-assets-adapter.ts; the CSP of dashboard-guard.ts).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import express, { type NextFunction, type Request, type Response } from 'express';
import { syncCallsOf, type SyncCallsJobData } from '../../jobs/sync-calls.job.js';
import type { Queues } from '../app/queues.js';
import type { Config } from '../config/config.js';
import { ErrorCodes, UserError } from '../errors.js';
import { dashboardGuard } from './dashboard-guard.js';
import { LocalAssetsExpressAdapter } from './local-assets-adapter.js';

export interface DashboardDeps {
  /**
   * `prefix` is shown in the board's title, so two deployments are told apart; `dashboardToken`
   * (RELSYNC_DASHBOARD_TOKEN), when set, is asked of every request and is required off loopback.
   */
  config: Pick<Config, 'prefix' | 'dashboardToken'>;
  queues: Queues;
}

export interface DashboardOptions {
  /** Interface to listen on. Default '127.0.0.1' (see the file comment for why). */
  host?: string;
  /** TCP port. Default 3030 (DEFAULT_DASHBOARD_PORT); 0 = a free port chosen by the OS. */
  port?: number;
  /** Allow retry, clean, pause, promote, empty … from the board. Default false: read-only. */
  allowActions?: boolean;
}

export interface RunningDashboard {
  /** e.g. http://127.0.0.1:3030/ */
  url: string;
  /** Stops listening and drops open connections (the board polls on keep-alive). Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';
export const DEFAULT_DASHBOARD_PORT = 3030;

/** Starts Bull Board on host:port; the queues stay owned by the caller (closing the board leaves them open). */
export async function startDashboard(deps: DashboardDeps, options: DashboardOptions = {}): Promise<RunningDashboard> {
  const host = options.host ?? DEFAULT_DASHBOARD_HOST;
  const port = options.port ?? DEFAULT_DASHBOARD_PORT;
  checkDashboardOptions(deps.config, options);
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  // Everything is mounted before listening, so no request ever meets a half-built app.
  if (isLoopback(host)) app.use(sameHostOnly(() => (server.address() as AddressInfo).port));
  app.use(dashboardGuard({ token: deps.config.dashboardToken }));
  app.use('/', boardRouter(deps, options.allowActions ?? false));
  const boundPort = await listen(server, host, port);
  return { url: `http://${formatHost(host)}:${boundPort}/`, close: closer(server) };
}

function boardRouter(deps: DashboardDeps, allowActions: boolean): express.Router {
  const serverAdapter = new LocalAssetsExpressAdapter();
  serverAdapter.setBasePath('/');
  const adapterOptions = { readOnlyMode: !allowActions, allowRetries: allowActions };
  const sync = new BullMQAdapter(deps.queues.sync, adapterOptions);
  sync.setFormatter('data', readableSyncData);
  createBullBoard({
    queues: [new BullMQAdapter(deps.queues.imports, adapterOptions), sync, new BullMQAdapter(deps.queues.webhooks, adapterOptions)],
    serverAdapter,
    options: { uiConfig: { boardTitle: `relsync (${deps.config.prefix})` } },
  });
  return serverAdapter.getRouter() as express.Router;
}

/**
 * A sync job's data as the board shows it: its calls as they are, where Redis holds them packed and
 * deflated (`jobs/sync-calls.job.ts`), beside its other fields (summary, tries). Data that does not
 * read as calls is shown as it is.
 */
export function readableSyncData(data: SyncCallsJobData): unknown {
  if (typeof data !== 'object' || data === null || (data.packed === undefined && data.deflated === undefined)) return data;
  try {
    const { packed: _packed, deflated: _deflated, ...rest } = data;
    return { ...rest, calls: syncCallsOf(data) };
  } catch {
    return data;
  }
}

/**
 * Throws one UserError CONFIG_INVALID naming every problem: a bad --host or --port, or a non-loopback
 * host without RELSYNC_DASHBOARD_TOKEN. Called again by the CLI before it connects to Redis.
 */
export function checkDashboardOptions(config: Pick<Config, 'dashboardToken'>, options: DashboardOptions): void {
  const host = options.host ?? DEFAULT_DASHBOARD_HOST;
  const port = options.port ?? DEFAULT_DASHBOARD_PORT;
  const problems: string[] = [];
  if (typeof host !== 'string' || host.trim() === '') problems.push(`--host: expected an interface address such as 127.0.0.1, got '${String(host)}'`);
  else if (!isLoopback(host) && config.dashboardToken === undefined) {
    problems.push(`RELSYNC_DASHBOARD_TOKEN: required when the dashboard listens on ${host}, which is not a loopback address; set it to a long random value (e.g. openssl rand -hex 32)`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) problems.push(`--port: expected an integer 0-65535, got '${String(port)}'`);
  if (problems.length > 0) throw new UserError(ErrorCodes.CONFIG_INVALID, problems.join('; '));
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use; choose another with --port' : code === 'EADDRNOTAVAIL' ? 'no such local address; check --host' : (error as Error).message;
    throw new UserError(ErrorCodes.CONFIG_INVALID, `dashboard: cannot listen on ${formatHost(host)}:${port}: ${why}`, { cause: error });
  }
  return (server.address() as AddressInfo).port;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** DNS-rebinding guard: a browser sends the name it resolved as Host; only loopback names may pass. */
function sameHostOnly(boundPort: () => number): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const port = boundPort();
    const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
    if (allowed.includes((req.headers.host ?? '').toLowerCase())) {
      next();
      return;
    }
    res.status(421).type('text/plain').send('relsync dashboard: open it through 127.0.0.1 or localhost\n');
  };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function closer(server: Server): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
}
