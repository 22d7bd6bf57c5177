/**
 * relsync's Prometheus metrics, on a registry of their own (never prom-client's global one): one
 * `RelsyncMetrics` per worker runtime, handed to where things happen — the Zoho client's `onEvent`, the
 * token mint, the run ledger's observer — and read on scrape for what lives in Redis (queue depths, the
 * shared concurrency limit, the credit budget). Every metric is listed in docs/operating.md#metrics.
 *
 * Labels are bounded: no import id, no external id, no URL. Row codes are Zoho's or ours (a few dozen);
 * anything that does not look like a code, and any code past the first MAX_CODES, counts as `OTHER`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RowOutcome } from '../domain/row-outcome.js';
import type { ZohoCallEvent } from '../zoho/zoho-client.js';

/** How a call to Zoho ended, as counted by `relsync_zoho_calls_total{outcome}`. */
export type CallOutcome =
  | 'success' | 'entry_error' | 'request_error' | 'rate_limited' | 'server_error' | 'bad_response'
  | 'token_invalid' | 'network_error' | 'lost_answer' | 'aborted';

/** How an import ended, as labelled in `relsync_import_duration_seconds{outcome}`. */
export type ImportOutcome = 'done' | 'done_with_errors' | 'aborted' | 'cancelled' | 'failed';

export type MintResult = 'minted' | 'denied' | 'failed';

/** Distinct `code` label values one process reports before the rest count as OTHER. */
export const MAX_CODES = 200;

/**
 * Errors raised after the request went out, when Zoho's answer did not come back: the call may have
 * been applied (docs/zoho.md#unknown-answer-to-a-pair-that-already-exists). The other network codes say
 * the request never reached Zoho.
 */
const LOST_ANSWER_CODES = new Set([
  'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'TIMEOUT',
]);
const ABORTED_CODES = new Set(['ABORTED', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

export function callOutcome(event: Pick<ZohoCallEvent, 'verdict' | 'code' | 'httpStatus' | 'entryErrors'>): CallOutcome {
  switch (event.verdict) {
    case 'results':
      return (event.entryErrors ?? 0) > 0 ? 'entry_error' : 'success';
    case 'request-error':
      return 'request_error';
    case 'rate-limited':
      return 'rate_limited';
    case 'token-invalid':
    case 'wrong-api-domain':
      return 'token_invalid';
    case 'retry':
      if (event.httpStatus !== undefined) return event.code === 'BAD_RESPONSE' ? 'bad_response' : 'server_error';
      if (ABORTED_CODES.has(event.code ?? '')) return 'aborted';
      return LOST_ANSWER_CODES.has(event.code ?? '') ? 'lost_answer' : 'network_error';
  }
}

/** What the metrics read from Redis and the process on each scrape; set by the wiring. */
export interface ScrapeSources {
  /** Job counts by state, per queue (BullMQ `Queue.getJobCounts`). */
  queueDepths?: () => Promise<Record<string, Record<string, number>>>;
  /** The sync queue's global concurrency now (the governor's effective limit, shared by every worker). */
  concurrencyLimit?: () => Promise<number | null>;
  /** Credits our ZOHO_DAILY_CREDITS budget has spent in its rolling window. */
  creditBudgetUsed?: () => Promise<number>;
  /** Zoho calls this process has in flight (its p-limit's active count). */
  callsInFlight?: () => number;
}

/** A scrape-time read that fails (Redis away) leaves its metric out of this scrape instead of failing /metrics. */
async function settle<T>(read: Promise<T> | undefined): Promise<T | undefined> {
  try {
    return await read;
  } catch {
    return undefined;
  }
}

export class RelsyncMetrics {
  readonly registry = new Registry();
  readonly #codes = new Set<string>();
  readonly #rows: Counter<'status' | 'code'>;
  readonly #removals: Counter<'status' | 'code'>;
  readonly #calls: Counter<'outcome'>;
  readonly #rateLimited: Counter<'cause'>;
  readonly #entries: Counter<'status'>;
  readonly #callSeconds: Histogram;
  readonly #creditsRemaining: Gauge;
  readonly #mints: Counter<'result'>;
  readonly #importSeconds: Histogram<'outcome'>;
  readonly #webhooks: Counter<'result'>;
  #sources: ScrapeSources = {};

  constructor(options: { concurrencyMax: number; creditBudgetLimit?: number; processMetrics?: boolean }) {
    const registers = [this.registry];
    const sources = (): ScrapeSources => this.#sources;
    this.#rows = new Counter({ name: 'relsync_rows_total', help: 'Rows given their final outcome, by _status and _code (each row counted once, when its outcome is written).', labelNames: ['status', 'code'], registers });
    this.#removals = new Counter({ name: 'relsync_removals_total', help: "A mirror's removals (links the file does not name) given their final outcome, by _status and _code (each counted once, when its outcome is written).", labelNames: ['status', 'code'], registers });
    this.#calls = new Counter({ name: 'relsync_zoho_calls_total', help: 'HTTP exchanges with the Zoho CRM API, by how they ended.', labelNames: ['outcome'], registers });
    this.#rateLimited = new Counter({ name: 'relsync_zoho_rate_limited_total', help: 'Zoho 429 TOO_MANY_REQUESTS answers, by cause as far as the answer tells (concurrency, credits, unknown).', labelNames: ['cause'], registers });
    this.#entries = new Counter({ name: 'relsync_zoho_entries_total', help: 'Entries Zoho answered in calls with per-entry results, by their status.', labelNames: ['status'], registers });
    this.#callSeconds = new Histogram({ name: 'relsync_zoho_call_duration_seconds', help: 'Time from sending a Zoho call to having its whole answer (or failure).', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers });
    // Registered on the first answer that carries the header: absent, not 0, until Zoho has said.
    this.#creditsRemaining = new Gauge({ name: 'relsync_zoho_credits_remaining', help: "Zoho's X-API-CREDITS-REMAINING in its last answer that had one (Zoho sends it once half the day's credits are used).", registers: [] });
    this.#mints = new Counter({ name: 'relsync_zoho_token_mints_total', help: 'Access-token mints by this process: minted, denied (accounts server throttling: Access Denied), failed (any other refusal or error).', labelNames: ['result'], registers });
    this.#importSeconds = new Histogram({ name: 'relsync_import_duration_seconds', help: 'Imports that ended, by outcome, and how long they took (from the start of ingest, or from creation, to the end).', labelNames: ['outcome'], buckets: [1, 5, 15, 60, 300, 900, 1_800, 3_600, 7_200, 14_400, 43_200, 86_400], registers });
    this.#webhooks = new Counter({ name: 'relsync_webhook_deliveries_total', help: 'Webhook delivery attempts: delivered, failed (will be tried again unless attempts are used up), dropped (receiver no longer configured).', labelNames: ['result'], registers });
    new Gauge({
      name: 'relsync_zoho_calls_in_flight', help: 'Zoho calls this process has in flight now.', registers,
      collect() {
        const read = sources().callsInFlight;
        if (read) this.set(read());
      },
    });
    new Gauge({ name: 'relsync_zoho_concurrency_max', help: 'ZOHO_CONCURRENCY: the most calls in flight allowed across all workers.', registers }).set(options.concurrencyMax);
    new Gauge({
      name: 'relsync_zoho_concurrency_limit', help: "The sync queue's global concurrency now: ZOHO_CONCURRENCY as lowered by the governor after 429s (shared by all workers).", registers,
      async collect() {
        const limit = await settle(sources().concurrencyLimit?.());
        if (limit !== undefined) this.set(limit ?? options.concurrencyMax);
      },
    });
    if (options.creditBudgetLimit !== undefined) {
      new Gauge({ name: 'relsync_zoho_credit_budget_limit', help: 'ZOHO_DAILY_CREDITS: credits allowed per rolling window.', registers }).set(options.creditBudgetLimit);
      new Gauge({
        name: 'relsync_zoho_credit_budget_used', help: 'Credits spent in the rolling window of the ZOHO_DAILY_CREDITS budget (shared by all workers).', registers,
        async collect() {
          const used = await settle(sources().creditBudgetUsed?.());
          if (used !== undefined) this.set(used);
        },
      });
    }
    new Gauge({
      name: 'relsync_queue_jobs', help: 'Jobs in each relsync queue by BullMQ state (all workers; read from Redis on scrape).', labelNames: ['queue', 'state'], registers,
      async collect() {
        const depths = await settle(sources().queueDepths?.());
        this.reset();
        for (const [queue, counts] of Object.entries(depths ?? {})) {
          for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
        }
      },
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'relsync_' });
  }

  /** Where the scrape-time values come from; the wiring sets it once Redis and the queues are open. */
  readFrom(sources: ScrapeSources): void {
    this.#sources = sources;
  }

  rowsRecorded(outcomes: readonly Pick<RowOutcome, 'status' | 'code'>[]): void {
    for (const outcome of outcomes) this.#rows.inc({ status: outcome.status, code: this.#boundedCode(outcome.code) });
  }

  removalsRecorded(outcomes: readonly Pick<RowOutcome, 'status' | 'code'>[]): void {
    for (const outcome of outcomes) this.#removals.inc({ status: outcome.status, code: this.#boundedCode(outcome.code) });
  }

  /** `count` rows recorded with one status and code (an incremental import's UNCHANGED rows, recorded as marks). */
  rowsCounted(counts: ReadonlyArray<Pick<RowOutcome, 'status' | 'code'> & { count: number }>): void {
    for (const { status, code, count } of counts) this.#rows.inc({ status, code: this.#boundedCode(code) }, count);
  }

  zohoCall(event: ZohoCallEvent): void {
    this.#calls.inc({ outcome: callOutcome(event) });
    this.#callSeconds.observe(event.durationMs / 1_000);
    if (event.verdict === 'rate-limited') this.#rateLimited.inc({ cause: event.rateLimitReason ?? 'unknown' });
    if (event.verdict === 'results') {
      const errors = event.entryErrors ?? 0;
      this.#entries.inc({ status: 'success' }, event.entryCount - errors);
      this.#entries.inc({ status: 'error' }, errors);
    }
    if (event.creditsRemaining !== undefined) {
      if (!this.registry.getSingleMetric('relsync_zoho_credits_remaining')) this.registry.registerMetric(this.#creditsRemaining);
      this.#creditsRemaining.set(event.creditsRemaining);
    }
  }

  tokenMint(result: MintResult): void {
    this.#mints.inc({ result });
  }

  importEnded(outcome: ImportOutcome, durationMs: number): void {
    this.#importSeconds.observe({ outcome }, Math.max(0, durationMs) / 1_000);
  }

  webhookDelivery(result: 'delivered' | 'failed' | 'dropped'): void {
    this.#webhooks.inc({ result });
  }

  /** The text exposition format, for `GET /metrics`. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  #boundedCode(code: string): string {
    if (this.#codes.has(code)) return code;
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(code) || this.#codes.size >= MAX_CODES) return 'OTHER';
    this.#codes.add(code);
    return code;
  }
}
