/**
 * A real HTTP server on loopback that answers an exact script (reset → 429 → 200 …), records what it
 * received, and counts calls in flight. No mocks of undici: the client under test talks real HTTP.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** The request target exactly as sent (still percent-encoded). */
  rawPath: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Step = (res: ServerResponse, req: IncomingMessage, server: ScriptedServer) => void | Promise<void>;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  inFlight: number;
  maxInFlight: number;
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Steps answer requests in arrival order; a request beyond the script gets a 599 so tests notice. */
export async function startScriptedServer(steps: Step[]): Promise<ScriptedServer> {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const httpServer = createServer((req, res) => {
    void handle(req, res);
  });
  const state: ScriptedServer = {
    url: '',
    requests: [],
    inFlight: 0,
    maxInFlight: 0,
    received: (count) =>
      state.requests.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    close: async () => {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const index = state.requests.length;
    state.requests.push({ method: req.method ?? '', rawPath: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => {
      state.inFlight -= 1;
    });
    for (const waiter of waiters.filter((w) => state.requests.length >= w.count)) waiter.resolve();
    const step = steps[index];
    if (step) await step(res, req, state);
    else reply(599, { code: 'SCRIPT_EXHAUSTED' })(res, req, state);
  }

  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  state.url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  return state;
}

/** Answer with a status and a JSON body (or a raw string). */
export function reply(status: number, body: unknown, headers: Record<string, string> = {}): Step {
  return (res) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
    res.end(text);
  };
}

/** Drop the connection without answering (the client sees a reset / "other side closed"). */
export function destroySocket(): Step {
  return (_res, req) => {
    req.socket.destroy();
  };
}

/** Never answer (until the server closes). */
export function hang(): Step {
  return () => undefined;
}

/** Send headers and half a body, then stall. */
export function stallBody(): Step {
  return (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"data":[');
  };
}

/** Hold the answer until `count` calls have been in flight at once, or `maxWaitMs` passed; then answer 200. */
export function holdUntilInFlight(count: number, maxWaitMs: number, body: unknown): Step {
  return async (res, req, server) => {
    const deadline = Date.now() + maxWaitMs;
    while (server.maxInFlight < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    reply(200, body)(res, req, server);
  };
}

/** A port on which nothing listens (for "connection refused"). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export const SUCCESS_BODY = {
  data: [
    {
      code: 'SUCCESS',
      details: { External_Deal_ID: 'D-77', id: '111111000000094028' },
      message: 'relation added',
      status: 'success',
    },
  ],
};
