/**
 * What the simulator saw, for tests, the demo and the benchmark. `RunningSimulator.counters` (and
 * `GET /__sim/counters`) return a fresh plain-object snapshot on every read: hold on to it and it will
 * not move; read it again to see new calls.
 */
export type TooManyRequestsCause = 'concurrency' | 'credits';

export interface SimulatorCounters {
  /** CRM calls received (every request under /crm/, whatever its outcome, 429s included). */
  calls: number;
  /** The same calls by HTTP method ("GET", "PUT", "DELETE", …). */
  byMethod: Record<string, number>;
  /** CRM calls holding a concurrency slot right now. */
  inFlight: number;
  /** Highest `inFlight` seen since start or the last reset. */
  maxInFlight: number;
  /** 429 TOO_MANY_REQUESTS answered, by cause (scripted 429 faults included). */
  tooManyRequests: Record<TooManyRequestsCause, number>;
  /** Token requests received at /oauth/v2/token (any outcome). */
  tokenRequests: number;
  /** Access tokens issued. */
  tokensMinted: number;
  /** Mints refused with "Access Denied / too many requests continuously". */
  mintsDenied: number;
  /** Credits charged since start or the last reset (not only the current window). */
  creditsUsed: number;
  /** Contacts↔Deals associations currently held (same as `associations().length`). */
  associations: number;
  /** Links of every relation currently held, Contacts↔Deals included (same as `links().length`). */
  links: number;
  /** PUT entries answered SUCCESS / answered with an error code. */
  entries: { success: number; error: number };
  /** DELETE ids (or single-record delinks) answered `relation removed` / answered with an error code. */
  delinks: { success: number; error: number };
  /** Related records returned by GETs on the related-records path. */
  recordsRead: number;
  /** Authenticated GETs of `settings/fields`, `settings/related_lists` and `Contacts/roles` (whatever their answer). */
  metadataReads: { fields: number; relatedLists: number; contactRoles: number };
  /** Injected faults that fired: connection destroyed before applying, 5xx before applying,
   *  applied then answered 502 or destroyed. */
  faults: { reset: number; serverError: number; lostResponse: number };
  /** CRM responses by HTTP status ("200", "207", "401", …); destroyed connections are not counted. */
  byStatus: Record<string, number>;
}

export function createCounters(): SimulatorCounters {
  return {
    calls: 0,
    byMethod: {},
    inFlight: 0,
    maxInFlight: 0,
    tooManyRequests: { concurrency: 0, credits: 0 },
    tokenRequests: 0,
    tokensMinted: 0,
    mintsDenied: 0,
    creditsUsed: 0,
    associations: 0,
    links: 0,
    entries: { success: 0, error: 0 },
    delinks: { success: 0, error: 0 },
    recordsRead: 0,
    metadataReads: { fields: 0, relatedLists: 0, contactRoles: 0 },
    faults: { reset: 0, serverError: 0, lostResponse: 0 },
    byStatus: {},
  };
}

/** A deep copy, safe to hand out. */
export function snapshotCounters(counters: SimulatorCounters): SimulatorCounters {
  return structuredClone(counters);
}

/** Zeroes everything that counts events; `inFlight`, `associations` and `links` describe state and are kept. */
export function resetCounters(counters: SimulatorCounters): void {
  const kept = { inFlight: counters.inFlight, associations: counters.associations, links: counters.links };
  Object.assign(counters, createCounters(), kept, { maxInFlight: kept.inFlight });
}

export function countStatus(counters: SimulatorCounters, status: number): void {
  const key = String(status);
  counters.byStatus[key] = (counters.byStatus[key] ?? 0) + 1;
}

export function countMethod(counters: SimulatorCounters, method: string): void {
  counters.byMethod[method] = (counters.byMethod[method] ?? 0) + 1;
}
