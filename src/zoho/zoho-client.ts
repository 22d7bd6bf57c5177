/**
 * The Zoho CRM edge: one call = one `PUT {api-domain}/crm/{version}/{module}/{base}/{relatedList}` with
 * at most 100 entries (https://www.zoho.com/crm/developer/docs/api/v8/update-related-records-ext.html).
 * It never throws for HTTP or network problems: it returns a CallVerdict (call-verdict.ts) and leaves
 * retries, backoff and rate limits to the worker edge. Only getting a token may throw (AccountsError).
 *
 * A wrong API domain (ZOHO_API_DOMAIN or ZOHO_DC naming another data centre than the one that issued
 * the token) looks like a dead token: INVALID_TOKEN. Re-minting on every such answer would spend the
 * 10 mints per 10 minutes and end in "throttled" (docs/zoho.md#access-tokens). So a refused token gets
 * one fresh token; when that one is refused too, the answer is `wrong-api-domain`, and no more tokens
 * are minted for it.
 */
import { Pool, type Dispatcher } from 'undici';
import { MAX_ENTRIES_PER_CALL } from '../../jobs/sync-calls.job.js';
import { ErrorCodes, RelsyncError } from '../errors.js';
import { classifyNetworkError, classifyResponse, type CallVerdict, type ResponseHeaders } from './call-verdict.js';
import type { AccessToken, TokenProvider } from './oauth-client.js';
import { httpUrl, positiveInteger, positiveNumber, throwIfProblems } from './option-checks.js';

export interface RelatedUpdateRequest {
  /** Module API name of the base record, e.g. 'Contacts'. */
  module: string;
  /** The base record: its external value when X-EXTERNAL names the module, else its CRM id. */
  base: string;
  /** Related list API name, e.g. 'Deals'. */
  relatedList: string;
  /** e.g. 'Contacts.External_Contact_ID,Deals.External_Deal_ID'; omitted when both sides use CRM ids. */
  xExternal?: string;
  /** 1..100 related records, e.g. { External_Deal_ID: 'D-77', Contact_Role: '<role id>' } or { …, list_price: 12.5 }. */
  entries: Array<Record<string, string | number>>;
}

/** A Delink Related Records call: `DELETE …/{base}/{relatedList}?ids=` (docs/zoho.md#delink-and-read). */
export interface RelatedDelinkRequest {
  module: string;
  base: string;
  relatedList: string;
  /** Names only the base's external field, if any: `ids` are always the related records' Zoho ids. */
  xExternal?: string;
  /** 1..100 related record ids. */
  ids: string[];
}

/** One page of a Get Related Records call: `GET …/{base}/{relatedList}?fields=&page=&per_page=`. */
export interface RelatedReadRequest {
  module: string;
  base: string;
  relatedList: string;
  xExternal?: string;
  /** Zoho requires at least one. */
  fields: string[];
  page: number;
  /** At most 200 (Zoho's maximum and default). */
  perPage: number;
}

/** One current link as a GET shows it: the related record's id and every value it carries (as text). */
export interface CurrentLink {
  id: string;
  values: Record<string, string | null>;
}

/** A page of current links, or why there is none: the call verdicts other than per-entry results. */
export type ReadVerdict =
  | { kind: 'page'; links: CurrentLink[]; more: boolean }
  | Exclude<CallVerdict, { kind: 'results' }>;

/** One finished call, for logs. Carries no token and no CSV value (the base id stays out on purpose). */
export interface ZohoCallEvent {
  type: 'call';
  module: string;
  relatedList: string;
  entryCount: number;
  verdict: CallVerdict['kind'];
  code?: string;
  httpStatus?: number;
  durationMs: number;
  /** true for the single resend after a token-invalid answer. */
  isTokenRetry: boolean;
  /** With results: how many entries Zoho answered with an error. */
  entryErrors?: number;
  /** With a 429: why, as far as the answer tells (call-verdict.ts). */
  rateLimitReason?: Extract<CallVerdict, { kind: 'rate-limited' }>['reason'];
  /** Zoho's `X-API-CREDITS-REMAINING`, when it sent one (only past half the day's credits). */
  creditsRemaining?: number;
}

export interface ZohoClientOptions {
  tokens: TokenProvider;
  /** Overrides the token's api_domain (ZOHO_API_DOMAIN); else token.apiDomain is used. */
  apiDomain?: string;
  /** Default 'v8'. */
  apiVersion?: string;
  /** undici Pool connections per origin. Default 10: Zoho's smallest paid edition allows 10 calls in flight (docs/zoho.md#concurrency). */
  connections?: number;
  /** TCP+TLS connect, in ms. Default 10 000 (undici's default). */
  connectTimeoutMs?: number;
  /** Until the response headers arrive, in ms. Default 60 000: Zoho answers in 100–300 ms, but a 100-entry call on a busy org may take seconds. */
  headersTimeoutMs?: number;
  /** Between body chunks, in ms. Default 60 000. */
  bodyTimeoutMs?: number;
  /** An injected limiter (a p-limit instance) bounding calls in flight in this process; default: none. */
  limit?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Tests may inject; it is then used for every origin and not closed by close(). */
  dispatcher?: Dispatcher;
  /** Called after every HTTP exchange, for logs. Must not throw (errors are ignored). */
  onEvent?: (event: ZohoCallEvent) => void;
  /** Clock, epoch ms, the token provider's (for a token's age). Default Date.now. */
  now?: () => number;
}

/** What one exchange sends: the method, the path (with its query) and the body, and how logs name it. */
interface Exchange {
  method: 'PUT' | 'GET' | 'DELETE';
  path: string;
  body?: string;
  module: string;
  relatedList: string;
  entryCount: number;
  xExternal?: string;
  /** How the answer is read: per-entry results (PUT, DELETE) or a page of links (GET). */
  read: (status: number, headers: ResponseHeaders, text: string) => CallVerdict | ReadVerdict;
}

interface Call {
  exchange: Exchange;
  isTokenRetry: boolean;
}

const DEFAULTS = { apiVersion: 'v8', connections: 10, connectTimeoutMs: 10_000, headersTimeoutMs: 60_000, bodyTimeoutMs: 60_000 };

/**
 * A token younger than this that the API refuses was not refused for its age. Within its first ten
 * minutes no other mint can evict it either (the 16th live token evicts the oldest, and only 10 can be
 * minted per 10 minutes): one minute is a wide margin.
 */
export const FRESH_TOKEN_MS = 60_000;
/** Tokens already refused while fresh, remembered so a later refusal mints nothing (a few suffice). */
const REMEMBERED_REFUSALS = 8;

export class ZohoClient {
  readonly #options: ZohoClientOptions;
  readonly #pools = new Map<string, Pool>();
  /** Tokens the API refused while fresh: the API domain is wrong for them. */
  readonly #refusedFresh = new Set<string>();
  /**
   * Fresh tokens being tried right now, by the call that minted them after a refusal: another call
   * refused with one of them waits for that trial instead of dropping it and minting yet another.
   */
  readonly #trials = new Map<string, Promise<boolean>>();
  #closed = false;

  constructor(options: ZohoClientOptions) {
    validateOptions(options);
    this.#options = options;
  }

  /**
   * One call. On 'token-invalid' the token is invalidated and the call resent ONCE with a fresh token,
   * without spending an attempt (STYLE Code 3); a second token-invalid is returned as is, unless the
   * token refused was minted moments ago: then 'wrong-api-domain'.
   */
  async updateRelated(request: RelatedUpdateRequest, options: { signal?: AbortSignal } = {}): Promise<CallVerdict> {
    validateRequest(request);
    // Built before any I/O so that a bad segment throws here instead of looking like a network error.
    const path = relatedRecordsPath(this.#options.apiVersion ?? DEFAULTS.apiVersion, request.module, request.base, request.relatedList);
    const exchange: Exchange = {
      method: 'PUT', path, body: JSON.stringify({ data: request.entries }), module: request.module, relatedList: request.relatedList,
      entryCount: request.entries.length, xExternal: request.xExternal, read: classifyResponse,
    };
    return this.#run(exchange, options.signal) as Promise<CallVerdict>;
  }

  /**
   * Delink: removes the links to the related records named by id. Answered like a PUT, one result per
   * id (`relation removed`), with the same token, retry and limiter rules.
   */
  async delinkRelated(request: RelatedDelinkRequest, options: { signal?: AbortSignal } = {}): Promise<CallVerdict> {
    if (request.ids.length < 1 || request.ids.length > MAX_ENTRIES_PER_CALL) {
      throw new RelsyncError(ErrorCodes.INVALID_REQUEST, `delinkRelated: ids: expected 1..${MAX_ENTRIES_PER_CALL}, got ${request.ids.length}`);
    }
    const path = `${relatedRecordsPath(this.#options.apiVersion ?? DEFAULTS.apiVersion, request.module, request.base, request.relatedList)}?ids=${request.ids.map(encodeURIComponent).join(',')}`;
    const exchange: Exchange = {
      method: 'DELETE', path, module: request.module, relatedList: request.relatedList, entryCount: request.ids.length, xExternal: request.xExternal, read: classifyResponse,
    };
    return this.#run(exchange, options.signal) as Promise<CallVerdict>;
  }

  /** One page of the base record's current links; an unknown base by id reads as an empty page (204). */
  async readRelated(request: RelatedReadRequest, options: { signal?: AbortSignal } = {}): Promise<ReadVerdict> {
    const query = new URLSearchParams({ fields: request.fields.join(','), page: String(request.page), per_page: String(request.perPage) });
    const path = `${relatedRecordsPath(this.#options.apiVersion ?? DEFAULTS.apiVersion, request.module, request.base, request.relatedList)}?${query.toString()}`;
    const exchange: Exchange = {
      method: 'GET', path, module: request.module, relatedList: request.relatedList, entryCount: 0, xExternal: request.xExternal, read: classifyPage,
    };
    return this.#run(exchange, options.signal) as Promise<ReadVerdict>;
  }

  #run(exchange: Exchange, signal?: AbortSignal): Promise<CallVerdict | ReadVerdict> {
    const run = (): Promise<CallVerdict | ReadVerdict> => this.#callWithOneTokenRetry(exchange, signal);
    return this.#options.limit ? this.#options.limit(run) : run();
  }

  /** Closes the pools this client created (waits for calls in flight). */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  async #callWithOneTokenRetry(exchange: Exchange, signal?: AbortSignal): Promise<CallVerdict | ReadVerdict> {
    const token = await this.#options.tokens.getToken();
    const first = await this.#send(token, { exchange, isTokenRetry: false }, signal);
    if (first.kind !== 'token-invalid') return first;
    if (this.#refusedFresh.has(token.accessToken)) return this.#wrongApiDomain(first, token);
    const trial = this.#trials.get(token.accessToken);
    if (trial !== undefined && (await trial)) return this.#wrongApiDomain(first, token);
    // Expired or revoked (docs/zoho.md#access-tokens): drop it; the provider mints or loads a new one.
    await this.#options.tokens.invalidate(token.accessToken);
    const fresh = await this.#options.tokens.getToken();
    const sent = this.#send(fresh, { exchange, isTokenRetry: true }, signal);
    const refusedWhileFresh = sent.then((verdict) => verdict.kind === 'token-invalid' && this.#isFresh(fresh), () => false);
    if (!this.#trials.has(fresh.accessToken)) this.#trials.set(fresh.accessToken, refusedWhileFresh);
    const second = await sent.finally(() => {
      if (this.#trials.get(fresh.accessToken) === refusedWhileFresh) this.#trials.delete(fresh.accessToken);
    });
    if (second.kind !== 'token-invalid' || fresh.accessToken === token.accessToken || !this.#isFresh(fresh)) return second;
    // Kept, not invalidated: another token would be refused the same way.
    if (this.#refusedFresh.size >= REMEMBERED_REFUSALS) this.#refusedFresh.clear();
    this.#refusedFresh.add(fresh.accessToken);
    return this.#wrongApiDomain(second, fresh);
  }

  #isFresh(token: AccessToken): boolean {
    const now = (this.#options.now ?? Date.now)();
    return token.mintedAtMs !== undefined && now - token.mintedAtMs < FRESH_TOKEN_MS && now < token.expiresAtMs;
  }

  #wrongApiDomain(refusal: Extract<CallVerdict, { kind: 'token-invalid' }>, token: AccessToken): CallVerdict {
    const origin = this.#originFor(token);
    const message = `Zoho API ${origin} refused a fresh token (${refusal.code}): wrong data centre; check ZOHO_API_DOMAIN and ZOHO_DC`;
    return { kind: 'wrong-api-domain', code: refusal.code, message, ...(refusal.httpStatus === undefined ? {} : { httpStatus: refusal.httpStatus }) };
  }

  async #send(token: AccessToken, call: Call, signal?: AbortSignal): Promise<CallVerdict | ReadVerdict> {
    const { exchange, isTokenRetry } = call;
    const startedAt = performance.now();
    const verdict = await this.#exchange(token, call, signal);
    this.#emit({
      type: 'call',
      module: exchange.module,
      relatedList: exchange.relatedList,
      entryCount: exchange.entryCount,
      verdict: verdict.kind === 'page' ? 'results' : verdict.kind,
      code: verdict.kind === 'results' || verdict.kind === 'page' ? undefined : verdict.code,
      httpStatus: 'httpStatus' in verdict ? verdict.httpStatus : undefined,
      durationMs: Math.round(performance.now() - startedAt),
      isTokenRetry,
      ...(verdict.kind === 'results' ? { entryErrors: verdict.entries.filter((e) => e.status === 'error').length } : {}),
      ...(verdict.kind === 'results' && verdict.creditsRemaining !== undefined ? { creditsRemaining: verdict.creditsRemaining } : {}),
      ...(verdict.kind === 'rate-limited' ? { rateLimitReason: verdict.reason } : {}),
    });
    return verdict;
  }

  async #exchange(token: AccessToken, { exchange }: Call, signal?: AbortSignal): Promise<CallVerdict | ReadVerdict> {
    if (this.#closed) return { kind: 'retry', code: 'UND_ERR_CLOSED', message: 'the Zoho client was closed before the call was sent' };
    if (signal?.aborted) return abortedVerdict();
    const origin = this.#originFor(token);
    try {
      const response = await this.#dispatcherFor(origin).request({
        origin,
        path: exchange.path,
        method: exchange.method,
        headers: requestHeaders(token.accessToken, exchange.xExternal, exchange.body !== undefined),
        body: exchange.body ?? null,
        signal: signal ?? null,
        headersTimeout: this.#options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs,
        bodyTimeout: this.#options.bodyTimeoutMs ?? DEFAULTS.bodyTimeoutMs,
      });
      // Always read the body to the end: undici keeps the connection busy until it is consumed.
      const text = await response.body.text();
      return exchange.read(response.statusCode, response.headers, text);
    } catch (error) {
      // An abort with a custom reason rejects with that reason, which says nothing about the network.
      return signal?.aborted ? abortedVerdict() : classifyNetworkError(error);
    }
  }

  #originFor(token: AccessToken): string {
    const domain = this.#options.apiDomain ?? token.apiDomain;
    try {
      return new URL(domain).origin;
    } catch {
      throw new RelsyncError(
        ErrorCodes.CONFIG_INVALID,
        `no usable Zoho API domain: the token reply gave '${domain}' and none was configured (ZOHO_API_DOMAIN)`,
      );
    }
  }

  /** One keep-alive Pool per origin, created lazily: the origin is known only from the first token reply. */
  #dispatcherFor(origin: string): Dispatcher {
    if (this.#options.dispatcher) return this.#options.dispatcher;
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.#options.connections ?? DEFAULTS.connections,
        connectTimeout: this.#options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
        headersTimeout: this.#options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs,
        bodyTimeout: this.#options.bodyTimeoutMs ?? DEFAULTS.bodyTimeoutMs,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  #emit(event: ZohoCallEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // Logging must never change the outcome of a call.
    }
  }
}

/**
 * '/crm/v8/Contacts/C%2Fodd%201/Deals'. Each segment goes through encodeURIComponent, so `/ ? # %`,
 * spaces and non-ASCII (as UTF-8) cannot change the path's shape; Zoho documents no encoding rules and
 * its SDK does not encode at all (docs/zoho.md#unknown-encoding-and-case-of-external-values). Not '+'
 * for space: in a path '+' is a literal plus, only form decoders read it as a space — '%20' is
 * unambiguous everywhere. The segments '.' and '..' are written as '%2E' so that no proxy can resolve
 * them as dot segments.
 */
export function relatedRecordsPath(apiVersion: string, module: string, base: string, relatedList: string): string {
  const segments = { apiVersion, module, base, relatedList };
  const empty = Object.entries(segments).filter(([, value]) => typeof value !== 'string' || value === '');
  if (empty.length > 0) {
    const names = empty.map(([name]) => name).join(', ');
    throw new RelsyncError(ErrorCodes.INVALID_REQUEST, `relatedRecordsPath: expected non-empty strings for ${names}`);
  }
  return `/crm/${encodeSegment(apiVersion)}/${encodeSegment(module)}/${encodeSegment(base)}/${encodeSegment(relatedList)}`;
}

function encodeSegment(value: string): string {
  return value === '.' || value === '..' ? value.replaceAll('.', '%2E') : encodeURIComponent(value);
}

function requestHeaders(accessToken: string, xExternal: string | undefined, hasBody = true): Record<string, string> {
  const headers: Record<string, string> = {
    authorization: `Zoho-oauthtoken ${accessToken}`,
    accept: 'application/json',
  };
  if (hasBody) headers['content-type'] = 'application/json';
  if (xExternal !== undefined && xExternal !== '') headers['x-external'] = xExternal;
  return headers;
}

/**
 * A GET's answer: 204 (no links on this page, or a base record unknown by id) is an empty last page;
 * 2xx with `data` is a page, each record's values kept as text. Ids and Contact_Role may be JSON
 * numbers above 2^53 (docs/zoho.md#delink-and-read), so long integers are read as their digits.
 * Anything else is judged as any call is (call-verdict.ts).
 */
export function classifyPage(status: number, headers: ResponseHeaders, text: string): ReadVerdict {
  if (status === 204 || (status >= 200 && status < 300 && text.trim() === '')) return { kind: 'page', links: [], more: false };
  if (status >= 200 && status < 300) {
    const parsed = parseWithLongIntegers(text) as { data?: unknown; info?: { more_records?: unknown } } | undefined;
    if (parsed && Array.isArray(parsed.data)) {
      const links: CurrentLink[] = [];
      for (const item of parsed.data) {
        if (typeof item !== 'object' || item === null || !('id' in item)) continue;
        const values: Record<string, string | null> = {};
        for (const [name, value] of Object.entries(item as Record<string, unknown>)) values[name] = asText(value);
        const id = values.id;
        if (id) links.push({ id, values });
      }
      return { kind: 'page', links, more: parsed.info?.more_records === true };
    }
  }
  const verdict = classifyResponse(status, headers, text);
  if (verdict.kind === 'results') return { kind: 'retry', httpStatus: status, code: 'BAD_RESPONSE', message: `Zoho answered HTTP ${status} to a read without the expected records` };
  return verdict;
}

/** JSON whose integers of 16 digits or more are read as strings (digits intact); strings are left alone. */
export function parseWithLongIntegers(text: string): unknown {
  const quoted = text.replace(/"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])(-?\d{16,})(?![.eE\d])/g, (match, digits: string | undefined) => (digits === undefined ? match : `"${digits}"`));
  try {
    return JSON.parse(quoted) as unknown;
  } catch {
    return undefined;
  }
}

/** A value as text: a lookup `{ name, id }` by its id; absent or null as null. */
function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && 'id' in value) return asText((value as { id: unknown }).id);
  return JSON.stringify(value);
}

function abortedVerdict(): CallVerdict {
  return { kind: 'retry', code: 'ABORTED', message: 'the call was aborted before Zoho answered' };
}

function validateOptions(options: ZohoClientOptions): void {
  throwIfProblems('ZohoClient', [
    typeof options.tokens?.getToken === 'function' ? undefined : 'tokens: expected a TokenProvider',
    httpUrl('apiDomain', options.apiDomain),
    options.apiVersion === undefined || /^v\d+(\.\d+)?$/.test(options.apiVersion)
      ? undefined
      : `apiVersion: expected 'v<number>' such as 'v8', got '${options.apiVersion}'`,
    positiveInteger('connections', options.connections),
    positiveNumber('connectTimeoutMs', options.connectTimeoutMs),
    positiveNumber('headersTimeoutMs', options.headersTimeoutMs),
    positiveNumber('bodyTimeoutMs', options.bodyTimeoutMs),
    options.limit === undefined || typeof options.limit === 'function' ? undefined : 'limit: expected a function',
    options.now === undefined || typeof options.now === 'function' ? undefined : 'now: expected a function',
  ]);
}

/** Programming errors of the caller (the planner batches to <= 100): thrown, not returned as verdicts. */
function validateRequest(request: RelatedUpdateRequest): void {
  const count = Array.isArray(request.entries) ? request.entries.length : -1;
  if (count < 1 || count > MAX_ENTRIES_PER_CALL) {
    throw new RelsyncError(
      ErrorCodes.INVALID_REQUEST,
      `updateRelated: entries: expected 1..${MAX_ENTRIES_PER_CALL} related records, got ${count < 0 ? 'no array' : count}`,
    );
  }
}
