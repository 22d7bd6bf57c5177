/**
 * Adapts the sync queue's global concurrency to what Zoho really allows. ZOHO_CONCURRENCY is the most
 * we ever use, but Zoho's limit is shared with every other process using the same client and user, and
 * may be narrower than the edition's for some calls (docs/zoho.md#concurrency,
 * docs/zoho.md#unknown-sub-concurrency), so a concurrency 429 means "fewer, for now": cut the shared
 * limit multiplicatively (once per cool-down, however many calls hit the 429 together), and add one
 * back after a run of successes without a 429 (AIMD, as TCP does). The limit lives in Redis (BullMQ
 * global concurrency), so every worker process follows it.
 */
export interface GlobalConcurrencyStore {
  getGlobalConcurrency(): Promise<number | null>;
  setGlobalConcurrency(concurrency: number): Promise<unknown>;
}

export interface GovernorOptions {
  store: GlobalConcurrencyStore;
  /** ZOHO_CONCURRENCY: the ceiling, never exceeded. */
  max: number;
  /** Successes without a 429 before adding one back. Default 50. */
  successesPerStep?: number;
  /** Minimum time between two cuts (ms): the 429s of one crowded moment count once. Default 1 s. */
  coolDownMs?: number;
  now?: () => number;
}

export class ConcurrencyGovernor {
  readonly #o: Required<GovernorOptions>;
  #lastCutAt = -Infinity;
  #successes = 0;

  constructor(options: GovernorOptions) {
    this.#o = { successesPerStep: 50, coolDownMs: 1_000, now: Date.now, ...options };
  }

  /** A concurrency 429: cut the shared limit to about 70 %, at least 1. Returns the new limit. */
  async onConcurrencyLimited(): Promise<number | undefined> {
    this.#successes = 0;
    const now = this.#o.now();
    if (now - this.#lastCutAt < this.#o.coolDownMs) return undefined;
    this.#lastCutAt = now;
    const current = (await this.#o.store.getGlobalConcurrency()) ?? this.#o.max;
    const next = Math.max(1, Math.min(current - 1, Math.floor(current * 0.7)));
    await this.#o.store.setGlobalConcurrency(next);
    return next;
  }

  /** A call that got an answer: after enough of them in a row, give one slot back. */
  async onSuccess(): Promise<number | undefined> {
    this.#successes += 1;
    if (this.#successes < this.#o.successesPerStep) return undefined;
    this.#successes = 0;
    const current = (await this.#o.store.getGlobalConcurrency()) ?? this.#o.max;
    if (current >= this.#o.max) return undefined;
    await this.#o.store.setGlobalConcurrency(current + 1);
    return current + 1;
  }
}
