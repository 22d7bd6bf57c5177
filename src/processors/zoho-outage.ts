/**
 * An outage is not a row error. When Zoho's API cannot be reached (refused, DNS, TLS, connect
 * timeouts), or most recent calls failed with a 5xx, a reset or a timeout (one such failure among
 * answers is that call's own), every worker pauses the sync queue without spending attempts,
 * probes, and resumes on the first answer. Only after `RELSYNC_OUTAGE_MAX_WAIT_S` do calls spend their
 * attempts again, so that an outage of hours still ends (rows RETRIES_EXHAUSTED, `retry` re-sends them).
 *
 * The outage is shared in Redis (`P:zoho:outage`, JSON `{ sinceMs, code }`): one log line when it
 * begins (whoever sets the key) and one when it ends (whoever deletes it), and `status` can say
 * "Zoho unreachable since …" whichever worker noticed.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface OutageState {
  sinceMs: number;
  code: string;
  /** This failure began the outage (no other worker had noticed one). */
  began?: boolean;
}

/** A recorded outage left behind by workers that all stopped is forgotten after a day. */
const OUTAGE_KEY_TTL_MS = 86_400_000;

/** Local failures (our own shutdown or abort) are not Zoho's outage. */
const NOT_AN_OUTAGE = new Set(['ABORTED', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

/**
 * Failures that say "Zoho cannot be reached at all" on their own: no connection could be made. A reset,
 * a closed socket or a timeout happens to single calls too (a lost answer), so those count as an outage
 * only when most recent calls failed, like 5xx.
 */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Calls looked at for "5xx to most recent calls", and the share of them that makes an outage. */
const WINDOW = 20;
const SERVER_ERROR_SHARE = 0.6;

export interface ZohoOutageOptions {
  redis: Redis;
  prefix: string;
  /** After this long, calls spend their attempts again (RELSYNC_OUTAGE_MAX_WAIT_S). */
  maxWaitMs: number;
  log: Logger;
  now?: () => number;
}

export class ZohoOutage {
  readonly #o: Required<ZohoOutageOptions>;
  readonly #key: string;
  /** The last calls of this process: true for a 5xx or no answer, false for an answer. */
  readonly #recent: boolean[] = [];
  #checkedAtMs = 0;

  constructor(options: ZohoOutageOptions) {
    this.#o = { now: Date.now, ...options };
    this.#key = `${options.prefix}:zoho:outage`;
  }

  /**
   * Whether a call that got no usable answer says "Zoho is down": a failure to connect does at once; a
   * 5xx, a reset or a timeout does when most of the recent calls failed too (one among answers is that
   * call's own).
   */
  isOutage(failure: { code: string; httpStatus?: number }): boolean {
    if (NOT_AN_OUTAGE.has(failure.code)) return false;
    const noAnswer = failure.httpStatus === undefined || failure.httpStatus === 0;
    if (!noAnswer && failure.httpStatus! < 500) return false;
    this.#remember(true);
    if (this.isUnreachable(failure)) return true;
    const failures = this.#recent.filter(Boolean).length;
    return this.#recent.length >= WINDOW / 2 && failures / this.#recent.length >= SERVER_ERROR_SHARE;
  }

  /** A failure that alone says Zoho cannot be reached (no side effects: for the last attempt's decision). */
  isUnreachable(failure: { code: string; httpStatus?: number }): boolean {
    const noAnswer = failure.httpStatus === undefined || failure.httpStatus === 0;
    // TLS failures (certificate, handshake) name no connection code of their own: NETWORK_ERROR.
    return noAnswer && (UNREACHABLE.has(failure.code) || failure.code === 'NETWORK_ERROR');
  }

  /** Record that an outage is on (first caller logs it); returns when it began. */
  async begin(code: string, message: string): Promise<OutageState> {
    const now = this.#o.now();
    const set = await this.#o.redis.set(this.#key, JSON.stringify({ sinceMs: now, code }), 'PX', OUTAGE_KEY_TTL_MS, 'NX');
    if (set === 'OK') {
      this.#o.log.warn({ code, reason: message }, 'Zoho unreachable: pausing the sync queue (no attempts spent) and probing');
      return { sinceMs: now, code, began: true };
    }
    return (await this.current()) ?? { sinceMs: now, code };
  }

  async current(): Promise<OutageState | undefined> {
    const raw = await this.#o.redis.get(this.#key);
    return raw ? (JSON.parse(raw) as OutageState) : undefined;
  }

  /** Past RELSYNC_OUTAGE_MAX_WAIT_S: calls spend attempts again. */
  hasLastedTooLong(state: OutageState): boolean {
    return this.#o.now() - state.sinceMs > this.#o.maxWaitMs;
  }

  /** A call got an answer: the outage (if one is recorded) is over. Looks at Redis at most once a second. */
  async answered(): Promise<void> {
    this.#remember(false);
    const now = this.#o.now();
    if (now - this.#checkedAtMs < 1_000) return;
    this.#checkedAtMs = now;
    const raw = await this.#o.redis.get(this.#key);
    if (!raw) return;
    if ((await this.#o.redis.del(this.#key)) === 1) {
      const state = JSON.parse(raw) as OutageState;
      this.#o.log.info({ downForS: Math.round((now - state.sinceMs) / 1000) }, 'Zoho reachable again: the sync queue resumes');
    }
  }

  #remember(failed: boolean): void {
    this.#recent.push(failed);
    if (this.#recent.length > WINDOW) this.#recent.shift();
  }
}

/** "Zoho unreachable since 2026-11-30T02:14:03Z (ECONNREFUSED)": the pause reason status and --wait show. */
export function outageReason(state: OutageState): string {
  return `Zoho unreachable since ${new Date(state.sinceMs).toISOString()} (${state.code}): waiting without spending attempts, probing`;
}
