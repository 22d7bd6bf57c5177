/**
 * THE one table that decides, for one Zoho call, between "here are the per-entry results", "this whole
 * request is wrong", "try again later" and "get a new token". Pure: no I/O, no clock except when a
 * Retry-After carries an HTTP date. The worker edge maps verdicts to BullMQ; nothing here knows BullMQ.
 *
 * Sources: docs/zoho.md#one-result-per-entry, docs/zoho.md#whole-request-errors,
 * docs/zoho.md#when-a-limit-is-exceeded, docs/zoho.md#access-tokens, and the API page
 * https://www.zoho.com/crm/developer/docs/api/v8/update-related-records-ext.html ("Possible Errors").
 *
 * Order of the checks (first match wins):
 *  1. HTTP 429, or a body whose code is TOO_MANY_REQUESTS       → rate-limited (even if it had `data`:
 *     a throttled call must never turn into final per-row errors)
 *  2. 2xx or 4xx with a `data` array                             → results (mixed status is undocumented:
 *     200, 207 or 400: docs/zoho.md#unknown-status-of-a-partly-failed-call — so the status is not
 *     trusted, the array is)
 *  3. an error envelope `{code, message, details, status}`:
 *     INVALID_TOKEN / INVALID_OAUTHTOKEN                          → token-invalid
 *     INTERNAL_ERROR, or any 5xx, or 408                         → retry
 *     anything else on 2xx/3xx/4xx                               → request-error (retrying cannot fix it)
 *  4. no usable JSON: 5xx/408 → retry `HTTP_<status>`; 2xx → retry `BAD_RESPONSE` (the PUT is idempotent,
 *     so resending is safe, while accepting it would mark every row NO_RESULT); other → request-error.
 *
 * AUTHENTICATION_FAILURE ("no usable token was sent") is a request-error, not token-invalid: a fresh
 * token minted from the same refresh token for the same domain would fail the same way, and treating it
 * as token-invalid would mint on every call and run into the 10-tokens-per-10-minutes lockout
 * (docs/zoho.md#access-tokens).
 */
import { entryMessage } from './entry-message.js';
import { redactSecrets, snippet } from './redact.js';

export interface EntryResult {
  status: 'success' | 'error';
  /** Zoho's code: SUCCESS, INVALID_DATA, MANDATORY_NOT_FOUND, … (BAD_RESPONSE when the entry was not an object). */
  code: string;
  /**
   * A human sentence for the report: on error Zoho's message with its `details` (entryMessage), e.g.
   * "the related id given seems to be invalid (api_name: External_Deal_ID, json_path: $.data[0]…)";
   * on success Zoho's message as sent ("relation added"). Never holds a token.
   */
  message: string;
  /** The related record's CRM id (`details.id`), on success. */
  zohoId?: string;
  details?: Record<string, unknown>;
}

export type CallVerdict =
  | { kind: 'results'; httpStatus: number; entries: EntryResult[]; creditsRemaining?: number }
  | { kind: 'request-error'; httpStatus: number; code: string; message: string }
  | { kind: 'retry'; httpStatus?: number; code: string; message: string; retryAfterMs?: number }
  | {
      kind: 'rate-limited';
      code: 'TOO_MANY_REQUESTS';
      message: string;
      reason: 'concurrency' | 'credits' | 'unknown';
      retryAfterMs?: number;
    }
  | { kind: 'token-invalid'; code: string; message: string; httpStatus?: number }
  /**
   * Never from this table: the Zoho client's reading of a token-invalid answer to a token minted
   * moments before. Tokens do not die that young; the API is another data centre's
   * (docs/zoho.md#access-tokens). Every call would get it, and minting again cannot help.
   */
  | { kind: 'wrong-api-domain'; code: string; message: string; httpStatus?: number };

/** What a thrown error can become: never results, never a rate limit. */
export type NetworkVerdict = Extract<CallVerdict, { kind: 'retry' | 'request-error' }>;

export type ResponseHeaders = Record<string, string | string[] | undefined>;

interface ErrorEnvelope {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * Zoho's token pages name the same condition INVALID_OAUTHTOKEN; the API answers INVALID_TOKEN
 * (docs/zoho.md#whole-request-errors).
 */
const TOKEN_INVALID_CODES = new Set(['INVALID_TOKEN', 'INVALID_OAUTHTOKEN']);
/** Zoho codes that say "our side failed", whatever the HTTP status. */
const RETRYABLE_ZOHO_CODES = new Set(['INTERNAL_ERROR']);

export function classifyResponse(httpStatus: number, headers: ResponseHeaders, body: string): CallVerdict {
  const parsed = parseJson(body);
  const envelope = errorEnvelope(parsed);
  if (httpStatus === 429 || envelope?.code === 'TOO_MANY_REQUESTS') {
    return rateLimited(httpStatus, headers, envelope);
  }
  if (isRecord(parsed) && Array.isArray(parsed.data) && (is2xx(httpStatus) || is4xx(httpStatus))) {
    const creditsRemaining = parseCredits(headerValue(headers, 'x-api-credits-remaining'));
    const entries = parsed.data.map(toEntryResult);
    return creditsRemaining === undefined
      ? { kind: 'results', httpStatus, entries }
      : { kind: 'results', httpStatus, entries, creditsRemaining };
  }
  if (envelope) return classifyEnvelope(httpStatus, headers, envelope);
  return classifyUnreadable(httpStatus, headers, body);
}

function classifyEnvelope(httpStatus: number, headers: ResponseHeaders, envelope: ErrorEnvelope): CallVerdict {
  const message = entryMessage(envelope);
  if (TOKEN_INVALID_CODES.has(envelope.code)) return { kind: 'token-invalid', httpStatus, code: envelope.code, message };
  if (httpStatus >= 500 || httpStatus === 408 || RETRYABLE_ZOHO_CODES.has(envelope.code)) {
    return retryVerdict(httpStatus, envelope.code, message, headers);
  }
  return { kind: 'request-error', httpStatus, code: envelope.code, message };
}

function classifyUnreadable(httpStatus: number, headers: ResponseHeaders, body: string): CallVerdict {
  const shown = body.trim() === '' ? 'an empty body' : `"${snippet(redactSecrets(body))}"`;
  if (is2xx(httpStatus)) {
    const message = `Zoho answered HTTP ${httpStatus} without the expected JSON results: ${shown}`;
    return { kind: 'retry', httpStatus, code: 'BAD_RESPONSE', message };
  }
  const message = `Zoho answered HTTP ${httpStatus} with ${shown}`;
  if (httpStatus >= 500 || httpStatus === 408) {
    return retryVerdict(httpStatus, `HTTP_${httpStatus}`, message, headers);
  }
  return { kind: 'request-error', httpStatus, code: `HTTP_${httpStatus}`, message };
}

/**
 * Zoho sends the same TOO_MANY_REQUESTS for the 24-hour credit quota, concurrency and sub-concurrency,
 * and their message texts are undocumented (docs/zoho.md#unknown-what-a-429-says). The reason is a hint
 * read from the text only; callers must treat 'unknown' as the normal case. No Retry-After is
 * documented, but one is honoured.
 */
function rateLimited(httpStatus: number, headers: ResponseHeaders, envelope?: ErrorEnvelope): CallVerdict {
  const message = envelope ? entryMessage(envelope) : `Zoho answered HTTP ${httpStatus}: too many requests`;
  const credits = parseCredits(headerValue(headers, 'x-api-credits-remaining'));
  const reason = credits !== undefined && credits <= 0 ? 'credits' : guessRateLimitReason(message);
  const retryAfterMs = parseRetryAfterMs(headerValue(headers, 'retry-after'));
  const verdict = { kind: 'rate-limited', code: 'TOO_MANY_REQUESTS', message, reason } as const;
  return retryAfterMs === undefined ? verdict : { ...verdict, retryAfterMs };
}

function guessRateLimitReason(text: string): 'concurrency' | 'credits' | 'unknown' {
  if (/concurren/i.test(text)) return 'concurrency';
  if (/credit|quota|daily|per day|24[\s-]?hour/i.test(text)) return 'credits';
  return 'unknown';
}

function toEntryResult(item: unknown): EntryResult {
  if (!isRecord(item)) {
    const message = `Zoho returned a result that is not an object: ${snippet(String(JSON.stringify(item)))}`;
    return { status: 'error', code: 'BAD_RESPONSE', message };
  }
  const status = item.status === 'success' ? 'success' : 'error';
  const code = nonEmptyString(item.code) ?? (status === 'success' ? 'SUCCESS' : 'UNKNOWN_ERROR');
  const details = isRecord(item.details) ? item.details : undefined;
  const zohoMessage = typeof item.message === 'string' ? item.message : '';
  const message = status === 'error' ? entryMessage({ code, message: zohoMessage, details }) : redactSecrets(zohoMessage);
  const result: EntryResult = { status, code, message };
  if (details) result.details = details;
  const id = details?.id;
  if (status === 'success' && (typeof id === 'string' || typeof id === 'number')) result.zohoId = String(id);
  return result;
}

function errorEnvelope(parsed: unknown): ErrorEnvelope | undefined {
  if (!isRecord(parsed)) return undefined;
  const code = nonEmptyString(parsed.code);
  if (code === undefined) return undefined;
  const message = typeof parsed.message === 'string' ? parsed.message : '';
  return isRecord(parsed.details) ? { code, message, details: parsed.details } : { code, message };
}

/** 503s may carry a Retry-After (RFC 9110 §10.2.3) even though Zoho documents none. */
function retryVerdict(httpStatus: number, code: string, message: string, headers: ResponseHeaders): CallVerdict {
  const retryAfterMs = parseRetryAfterMs(headerValue(headers, 'retry-after'));
  return retryAfterMs === undefined
    ? { kind: 'retry', httpStatus, code, message }
    : { kind: 'retry', httpStatus, code, message, retryAfterMs };
}

/** RFC 9110 §10.2.3: either delay-seconds or an HTTP date. */
export function parseRetryAfterMs(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const dateMs = Date.parse(trimmed);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}

/** `X-API-CREDITS-REMAINING` appears only after half of the day's credits are used (docs/zoho.md#credits). */
function parseCredits(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

const is2xx = (status: number): boolean => status >= 200 && status < 300;
const is4xx = (status: number): boolean => status >= 400 && status < 500;

// ── Network errors ────────────────────────────────────────────────────────────────────────────────────

/**
 * undici and Node error codes (https://github.com/nodejs/undici/blob/main/docs/docs/api/Errors.md) → why.
 * All of these may succeed when tried again. A PUT that failed after it was sent may have been applied;
 * resending is safe because re-associating the same pair is an update, not a duplicate
 * (docs/zoho.md#unknown-answer-to-a-pair-that-already-exists).
 */
const RETRYABLE_NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNRESET: 'the connection to Zoho was reset',
  ECONNREFUSED: 'Zoho refused the connection',
  ECONNABORTED: 'the connection to Zoho was aborted',
  EPIPE: 'the connection to Zoho broke while sending',
  ETIMEDOUT: 'the connection to Zoho timed out',
  ENOTFOUND: 'the Zoho host name could not be resolved',
  EAI_AGAIN: 'the Zoho host name could not be resolved (temporary DNS failure)',
  ENETUNREACH: 'the network to Zoho is unreachable',
  EHOSTUNREACH: 'the Zoho host is unreachable',
  UND_ERR_SOCKET: 'the connection to Zoho closed unexpectedly',
  UND_ERR_CONNECT_TIMEOUT: 'connecting to Zoho timed out',
  UND_ERR_HEADERS_TIMEOUT: 'Zoho did not answer in time',
  UND_ERR_BODY_TIMEOUT: 'Zoho stopped sending its answer',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "Zoho's answer was cut short",
  UND_ERR_CLOSED: 'the HTTP client was closed before the call finished',
  UND_ERR_DESTROYED: 'the HTTP client was closed before the call finished',
  ABORTED: 'the call was aborted before Zoho answered',
  TIMEOUT: 'the call timed out',
};

/** Our own mistakes in building the request: the same request would fail the same way. */
const REQUEST_BUG_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_URL', 'ERR_INVALID_ARG_TYPE']);

/**
 * Any thrown error from sending a call → a verdict. Known transient codes retry with that code; request
 * building bugs (an invalid header value, say) are request-errors with httpStatus 0 (no HTTP answer);
 * anything unknown retries as NETWORK_ERROR, bounded by the caller's attempts.
 */
export function classifyNetworkError(error: unknown): NetworkVerdict {
  const code = networkErrorCode(error);
  const detail = snippet(redactSecrets(error instanceof Error ? error.message : String(error)));
  if (code !== undefined && REQUEST_BUG_CODES.has(code)) {
    return { kind: 'request-error', httpStatus: 0, code, message: `the request could not be sent (${code}: ${detail})` };
  }
  const known = code !== undefined ? RETRYABLE_NETWORK_CODES[code] : undefined;
  const verdictCode = known !== undefined && code !== undefined ? code : 'NETWORK_ERROR';
  const sentence = known ?? 'the call to Zoho failed';
  return { kind: 'retry', code: verdictCode, message: `${sentence} (${code ?? 'no code'}: ${detail})` };
}

function networkErrorCode(error: unknown, depth = 0): string | undefined {
  if (!isRecord(error) || depth > 3) return undefined;
  const record = error;
  // AbortSignal reasons are DOMExceptions whose numeric `code` means nothing to us; undici's
  // RequestAbortedError is also named AbortError.
  if (record.name === 'AbortError') return 'ABORTED';
  if (record.name === 'TimeoutError') return 'TIMEOUT';
  const own = nonEmptyString(record.code);
  if (own !== undefined) return own;
  const cause = networkErrorCode(record.cause, depth + 1);
  if (cause !== undefined) return cause;
  // Happy-eyeballs connects (autoSelectFamily) fail with an AggregateError of per-address errors.
  return error instanceof AggregateError ? networkErrorCode(error.errors[0], depth + 1) : undefined;
}
