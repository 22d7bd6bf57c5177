/**
 * `/__sim/*`: the simulator's own control surface, for a simulator run as a separate process (the
 * CLI, the demo, the benchmark). Not part of Zoho: no token, no latency, no faults, not counted.
 *
 * | route                     | does                                                        |
 * |---------------------------|-------------------------------------------------------------|
 * | GET  /__sim/dataset       | the dataset (the shape `--dataset` reads)                    |
 * | GET  /__sim/associations  | `{ associations: [{ contactId, dealId, contactRoleId }] }`   |
 * | GET  /__sim/links         | `{ links: [{ relation, ids, value }] }`, every relation      |
 * | GET  /__sim/counters      | a counters snapshot                                          |
 * | GET  /__sim/options       | the current options (without `now`)                          |
 * | POST /__sim/options       | body: a JSON options patch, as `setOptions`                  |
 * | POST /__sim/faults        | body `{ "faults": ["reset", "429", …] }`, as `enqueueFaults` |
 * | POST /__sim/reset         | as `reset()`                                                 |
 */
import { isUserError } from '../errors.js';
import { snapshotCounters } from './counters.js';
import { errorReply, type Reply } from './http-io.js';
import type { SimulatorOptions } from './simulator-options.js';
import { associationsOf, type SimulatorState } from './simulator-state.js';

/** What the admin routes may do to the running simulator. */
export interface SimulatorControl {
  setOptions(patch: Partial<SimulatorOptions>): void;
  enqueueFaults(faults: readonly string[]): void;
  reset(): void;
}

export function publicOptions(options: SimulatorOptions): Omit<SimulatorOptions, 'now'> {
  const { now: _now, ...rest } = options;
  return structuredClone(rest);
}

function readJsonObject(raw: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function applyPost(control: SimulatorControl, route: string, raw: Buffer): Reply | null {
  if (route === 'reset') {
    control.reset();
    return { status: 200, body: { status: 'success' } };
  }
  const body = readJsonObject(raw);
  if (route === 'faults') {
    if (body === null || !Array.isArray(body.faults)) return errorReply(400, 'INVALID_DATA', 'expected a body {"faults":[…]}');
    control.enqueueFaults(body.faults as string[]);
    return { status: 200, body: { status: 'success' } };
  }
  if (route === 'options') {
    if (body === null) return errorReply(400, 'INVALID_DATA', 'expected a JSON object of options');
    control.setOptions(body as Partial<SimulatorOptions>);
    return { status: 200, body: { status: 'success' } };
  }
  return null;
}

function read(state: SimulatorState, route: string): Reply | null {
  switch (route) {
    case 'dataset':
      return { status: 200, body: state.dataset };
    case 'associations':
      return { status: 200, body: { associations: associationsOf(state.links) } };
    case 'links':
      return { status: 200, body: { links: state.links.list() } };
    case 'counters':
      return { status: 200, body: snapshotCounters(state.counters) };
    case 'options':
      return { status: 200, body: publicOptions(state.options) };
    default:
      return null;
  }
}

/** `route` is the path segment after `/__sim/`. */
export function handleAdmin(state: SimulatorState, control: SimulatorControl, method: string, route: string, raw: Buffer): Reply {
  try {
    const reply = method === 'GET' ? read(state, route) : method === 'POST' ? applyPost(control, route, raw) : null;
    return reply ?? errorReply(404, 'INVALID_URL_PATTERN', `no simulator control route ${method} /__sim/${route}`);
  } catch (error) {
    if (isUserError(error)) return errorReply(400, 'INVALID_DATA', error.message);
    throw error;
  }
}
