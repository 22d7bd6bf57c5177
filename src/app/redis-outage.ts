/**
 * A worker's log while Redis is gone: one line when the connection is lost, one when it is back.
 *
 * Without this, an outage is a flood: ioredis reports every refused reconnect, and BullMQ re-emits
 * each one as an `error` of every worker and queue sharing the connection, plus its own blocking
 * connection's, about 14 lines a second. Workers wait for Redis by themselves (commands queue until
 * the connection is back, `maxRetriesPerRequest: null`), so an outage is a state to report, not an
 * error per attempt. The main connection decides the state: `reconnecting` means lost, `ready` back.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Socket and ioredis errors that say "no connection", whichever connection saw them first. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const CONNECTION_MESSAGES = /Connection is closed|Stream isn't writeable|connect ETIMEDOUT|max retries per request/i;

export function isConnectionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && CONNECTION_CODES.has(code)) || (typeof message === 'string' && CONNECTION_MESSAGES.test(message));
}

export class RedisOutageLog {
  readonly #log: Logger;
  readonly #now: () => number;
  #lostAtMs: number | undefined;

  constructor(log: Logger, now: () => number = Date.now) {
    this.#log = log;
    this.#now = now;
  }

  /** True while the main connection is lost. */
  get isDown(): boolean {
    return this.#lostAtMs !== undefined;
  }

  /** Follow the main connection (call before it connects; its `error` events go to `connectionError`). */
  watch(redis: Redis): void {
    redis.on('reconnecting', () => this.#lost());
    redis.on('ready', () => this.#back());
  }

  /** The main connection's `error` listener: part of the outage it reports, never a line of its own. */
  readonly connectionError = (error: Error): void => {
    if (!this.isDown && isConnectionError(error)) this.#lost(error);
  };

  /**
   * An `error` listener for a BullMQ worker or queue. Connection errors belong to the outage (the main
   * connection reports it; a worker's own blocking connection may notice first); anything else is
   * logged, except during an outage, when it is most likely its consequence.
   */
  componentError(source: string): (error: Error) => void {
    return (error) => {
      if (this.isDown || isConnectionError(error)) {
        this.#log.debug({ err: error, source }, 'Redis error during an outage');
        return;
      }
      this.#log.error({ err: error, source }, 'worker error');
    };
  }

  #lost(error?: Error): void {
    if (this.isDown) return;
    this.#lostAtMs = this.#now();
    const reason = error?.message;
    this.#log.warn(reason ? { reason } : {}, 'Redis connection lost; reconnecting (work waits, nothing is lost)');
  }

  #back(): void {
    if (this.#lostAtMs === undefined) return;
    const downMs = this.#now() - this.#lostAtMs;
    this.#lostAtMs = undefined;
    this.#log.info({ downMs }, 'Redis connection back');
  }
}
