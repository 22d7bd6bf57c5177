/**
 * Everything one running simulator holds, passed to every route. Built by `startSimulator`; nothing
 * here is module-level, so two simulators in one process never share state.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createCounters, type SimulatorCounters } from './counters.js';
import type { Association, Link, SimulatorDataset } from './dataset-types.js';
import { FaultInjector } from './faults.js';
import { ConcurrencyGate, CreditLedger } from './limits.js';
import { createStream, RandomStreams, type Random } from './prng.js';
import { LinkStore, RecordIndex } from './record-store.js';
import type { SimulatorOptions } from './simulator-options.js';
import { TokenStore } from './token-store.js';

export interface SimulatorState {
  /** Current options; replaced as a whole by `setOptions`. */
  options: SimulatorOptions;
  /** Base URL, also the `api_domain` of token replies. Set once the server listens. */
  url: string;
  readonly dataset: SimulatorDataset;
  readonly records: RecordIndex;
  /** The links of every relation, Contacts↔Deals included. */
  readonly links: LinkStore;
  readonly tokens: TokenStore;
  readonly counters: SimulatorCounters;
  readonly gate: ConcurrencyGate;
  readonly credits: CreditLedger;
  readonly faults: FaultInjector;
  readonly jitter: Random;
  /** Aborted by `close()`: pending latencies end and their connections are dropped. */
  readonly signal: AbortSignal;
}

/** The links a dataset starts with: its Contacts↔Deals `associations`, then its other `links`. */
export function initialLinks(dataset: SimulatorDataset): Link[] {
  const associations = dataset.associations.map((a): Link => ({ relation: 'Contacts-Deals', ids: [a.contactId, a.dealId], value: a.contactRoleId }));
  return [...associations, ...dataset.links];
}

/** The Contacts↔Deals links in the shape of `Association`. */
export function associationsOf(links: LinkStore): Association[] {
  return links.list('Contacts-Deals').map((link) => ({
    contactId: link.ids[0],
    dealId: link.ids[1],
    contactRoleId: typeof link.value === 'string' ? link.value : null,
  }));
}

/** Brings the `associations` and `links` counters in line with the store, after a write. */
export function syncLinkCounters(state: SimulatorState): void {
  state.counters.associations = state.links.count('Contacts-Deals');
  state.counters.links = state.links.count();
}

export function createState(options: SimulatorOptions, dataset: SimulatorDataset, signal: AbortSignal): SimulatorState {
  const counters = createCounters();
  const state: SimulatorState = {
    options,
    url: '',
    dataset,
    records: new RecordIndex(dataset),
    links: new LinkStore(initialLinks(dataset)),
    tokens: new TokenStore(),
    counters,
    gate: new ConcurrencyGate(counters, () => state.options.concurrency),
    credits: new CreditLedger(),
    faults: new FaultInjector(createStream(options.seed, RandomStreams.faults)),
    jitter: createStream(options.seed, RandomStreams.jitter),
    signal,
  };
  syncLinkCounters(state);
  return state;
}

/** This call's latency: `latencyMs` ± up to `jitterMs`, never below 0. */
export function drawLatencyMs(state: SimulatorState): number {
  const { latencyMs, jitterMs } = state.options;
  if (jitterMs === 0) return latencyMs;
  return Math.max(0, latencyMs + (state.jitter() * 2 - 1) * jitterMs);
}

/** Waits one call's latency; rejects with an AbortError when the simulator closes meanwhile. */
export async function simulateLatency(state: SimulatorState): Promise<void> {
  const ms = drawLatencyMs(state);
  if (ms > 0) await sleep(ms, undefined, { signal: state.signal });
  else state.signal.throwIfAborted();
}

export function now(state: SimulatorState): number {
  return state.options.now();
}
