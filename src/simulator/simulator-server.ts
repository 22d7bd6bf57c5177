/**
 * The simulator's HTTP server and its lifecycle. One `startSimulator` call = one server on its own
 * port with its own state; nothing listens, logs or starts a timer until it is called.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCodes, UserError } from '../errors.js';
import { handleAdmin, publicOptions, type SimulatorControl } from './admin-routes.js';
import { resetCounters, snapshotCounters, type SimulatorCounters } from './counters.js';
import { handleCrmCall, invalidUrl } from './crm-routes.js';
import { loadDatasetFile } from './dataset-file.js';
import { generateDataset, type Association, type Link, type SimulatorDataset } from './dataset.js';
import type { ScriptedFault } from './faults.js';
import { readFormParams } from './form-params.js';
import { BodyTooLargeError, decodePathSegments, errorReply, readBody, writeReply } from './http-io.js';
import { handleTokenRequest, TOKEN_PATH } from './oauth-routes.js';
import { resolveOptions, START_ONLY_OPTIONS, type SimulatorOptions } from './simulator-options.js';
import { associationsOf, createState, initialLinks, now, simulateLatency, syncLinkCounters, type SimulatorState } from './simulator-state.js';

export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:54321`: both the accounts server and the API domain. */
  readonly url: string;
  readonly port: number;
  /** A fresh snapshot on every read (a plain object that does not change afterwards). */
  readonly counters: SimulatorCounters;
  /** The records the simulator holds (do not mutate). */
  readonly dataset: SimulatorDataset;
  /** The current Contacts↔Deals associations (copies). */
  associations(): Association[];
  /** The current links of every relation, Contacts↔Deals included (copies, oldest first). */
  links(): Link[];
  /** The current options (a copy; change them with `setOptions`). */
  readonly options: SimulatorOptions;
  /** Changes options while running (e.g. turn faults on mid-test); host, port, seed, contacts, deals,
   *  recordsPerModule and datasetFile are fixed at start. Throws "name: expected X, got Y" on a bad value. */
  setOptions(patch: Partial<SimulatorOptions>): void;
  /** Zeroes the event counters (calls, 429s, mints, credits used, …). */
  resetCounters(): void;
  /** Queues faults consumed one per CRM call, in arrival order, before any random fault. */
  enqueueFaults(faults: readonly ScriptedFault[]): void;
  /** Back to the start: initial links, no credits spent, mint history and fault queue cleared,
   *  counters zeroed. Issued tokens stay valid. */
  reset(): void;
  /** Expires every issued access token now (their next use answers 401 INVALID_TOKEN). */
  expireTokens(): void;
  /** Every access token minted so far, oldest first, expired and evicted ones included (tests look for leaks). */
  mintedTokens(): string[];
  /** Stops listening, drops open connections and pending calls. Idempotent. */
  close(): Promise<void>;
}

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function splitTarget(target: string): { pathname: string; query: URLSearchParams } {
  const mark = target.indexOf('?');
  return mark === -1
    ? { pathname: target, query: new URLSearchParams() }
    : { pathname: target.slice(0, mark), query: new URLSearchParams(target.slice(mark + 1)) };
}

async function route(state: SimulatorState, control: SimulatorControl, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const { pathname, query } = splitTarget(req.url ?? '/');
  const [first, ...rest] = pathname.split('/').slice(1);
  if (first === 'crm') {
    await handleCrmCall(state, req, res, query, decodePathSegments(`/${rest.join('/')}`));
    return;
  }
  const raw = await readBody(req);
  if (first === '__sim' && rest.length === 1) {
    writeReply(res, handleAdmin(state, control, method, rest[0] ?? '', raw));
    return;
  }
  await simulateLatency(state);
  if (pathname === TOKEN_PATH) writeReply(res, handleTokenRequest(state, method, readFormParams(query, req.headers, raw)));
  else writeReply(res, invalidUrl());
}

/** Never lets a request crash the server: closing drops the call, anything unexpected is a 500. */
async function handleRequest(state: SimulatorState, control: SimulatorControl, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    await route(state, control, req, res);
  } catch (error) {
    if (state.signal.aborted || req.destroyed) {
      req.socket.destroy();
      return;
    }
    if (error instanceof BodyTooLargeError) {
      writeReply(res, errorReply(413, 'REQUEST_ENTITY_TOO_LARGE', error.message));
      return;
    }
    writeReply(res, errorReply(500, 'INTERNAL_ERROR', 'Internal server error occurred.'));
  }
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  server.listen(port, host);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function makeControl(state: SimulatorState): SimulatorControl {
  return {
    setOptions(patch) {
      const fixed = Object.keys(patch).find((name) => (START_ONLY_OPTIONS as readonly string[]).includes(name));
      if (fixed !== undefined) throw new UserError(ErrorCodes.CONFIG_INVALID, `${fixed}: expected an option that can change while running, got one fixed at start`);
      state.options = resolveOptions(patch, state.options);
    },
    enqueueFaults(faults) {
      state.faults.enqueue(faults);
    },
    reset() {
      state.links.replaceAll(initialLinks(state.dataset));
      state.credits.clear();
      state.tokens.clearMintHistory();
      state.faults.clear();
      resetCounters(state.counters);
      syncLinkCounters(state);
    },
  };
}

function closer(server: Server, controller: AbortController): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      controller.abort();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
}

/** Starts a simulator; see SimulatorOptions for every option and its default. */
export async function startSimulator(options: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  const resolved = resolveOptions(options);
  const dataset =
    resolved.datasetFile === null ? generateDataset(resolved) : await loadDatasetFile(resolved.datasetFile);
  const controller = new AbortController();
  const state = createState(resolved, dataset, controller.signal);
  const control = makeControl(state);
  const server = createServer((req, res) => void handleRequest(state, control, req, res));
  const port = await listen(server, resolved.host, resolved.port);
  state.url = formatUrl(resolved.host, port);
  return {
    url: state.url,
    port,
    get counters() {
      return snapshotCounters(state.counters);
    },
    dataset,
    associations: () => associationsOf(state.links),
    links: () => state.links.list(),
    get options() {
      return { ...publicOptions(state.options), now: state.options.now };
    },
    setOptions: (patch) => control.setOptions(patch),
    resetCounters: () => resetCounters(state.counters),
    enqueueFaults: (faults) => control.enqueueFaults(faults),
    reset: () => control.reset(),
    expireTokens: () => state.tokens.expireAll(now(state)),
    mintedTokens: () => state.tokens.minted(),
    close: closer(server, controller),
  };
}
