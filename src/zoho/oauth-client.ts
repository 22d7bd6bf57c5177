/**
 * Access tokens for the Zoho CRM API: minting from a refresh token (OAuthClient) and sharing one token
 * per process (MemoryTokenProvider). The provider shared by every worker through Redis
 * (shared-token-provider.ts) implements the same TokenProvider.
 *
 * Why care: the accounts server allows 10 tokens per refresh token per 10 minutes and then blocks for
 * 10–30 minutes (https://www.zoho.com/crm/developer/docs/api/v3/token-validity.html,
 * docs/zoho.md#access-tokens, docs/zoho.md#unknown-how-long-a-mint-lockout-lasts), so tokens are cached,
 * minted single-flight, and refreshed a little ahead of expiry.
 */
import { request, type Dispatcher } from 'undici';
import { ErrorCodes, RelsyncError } from '../errors.js';
import { classifyNetworkError } from './call-verdict.js';
import { httpUrl, nonNegativeNumber, positiveNumber, presentSecret, throwIfProblems } from './option-checks.js';
import { redactSecrets, snippet } from './redact.js';

export interface AccessToken {
  accessToken: string;
  /** The token reply's `api_domain`, e.g. https://www.zohoapis.eu ('' when Zoho sent none). */
  apiDomain: string;
  /** Epoch ms after which the token must not be used. */
  expiresAtMs: number;
  /**
   * Epoch ms when it was asked for (set by whoever minted it; absent for tokens of unknown age). A
   * token the API refuses moments after it was minted was not refused for its age: the API domain is
   * in another data centre (zoho-client.ts, docs/zoho.md#access-tokens).
   */
  mintedAtMs?: number;
}

export interface TokenProvider {
  getToken(): Promise<AccessToken>;
  /** the API said this token is invalid: drop it so the next getToken mints/loads a new one (only if it is still the current one) */
  invalidate(accessToken: string): Promise<void>;
}

export interface AccountsErrorOptions {
  /**
   * Zoho's `error` value: a machine code ('invalid_code', 'invalid_client', …) or, for a throttle, a
   * text in the account's language ('Access Denied', '拒绝访问'); undefined when there was no answer.
   */
  zohoError?: string;
  httpStatus?: number;
  isRetryable: boolean;
  /** Zoho throttles minting for this refresh token: ask again no sooner than the rest of its 10 minutes. */
  throttled?: boolean;
  /** Zoho's `error_description`, redacted, for logs: it may be long and in any language. */
  description?: string;
  cause?: unknown;
}

/**
 * The accounts server would not give us a token. The message is one short line that names what to fix
 * (an import shows it as its pause reason); it never holds the client secret or a token.
 */
export class AccountsError extends RelsyncError {
  readonly zohoError: string | undefined;
  readonly httpStatus: number | undefined;
  readonly throttled: boolean;
  readonly description: string | undefined;

  constructor(message: string, options: AccountsErrorOptions) {
    super(ErrorCodes.ACCOUNTS_ERROR, message, { cause: options.cause, isRetryable: options.isRetryable });
    this.name = 'AccountsError';
    this.zohoError = options.zohoError;
    this.httpStatus = options.httpStatus;
    this.throttled = options.throttled ?? false;
    this.description = options.description;
  }
}

export interface OAuthClientOptions {
  /** Accounts server of the org's data centre, e.g. https://accounts.zoho.eu (DATA_CENTRES[dc].accountsUrl in config/data-centres.ts). */
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Default: undici's global dispatcher. Tests inject one. */
  dispatcher?: Dispatcher;
  /** Whole exchange (connect + answer), in ms. Default 30 000: minting is rare and must not hang a worker. */
  timeoutMs?: number;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

/** Documented access-token lifetime, used when a reply carries no expiry (docs/zoho.md#access-tokens). */
const DEFAULT_LIFETIME_SECONDS = 3600;

/** One short line per machine code Zoho answers for a credential it refuses, naming the variable to fix. */
const REFUSALS: Readonly<Record<string, string>> = {
  invalid_code: 'ZOHO_REFRESH_TOKEN refused (invalid_code): revoked, or from another data centre (ZOHO_DC)',
  invalid_client: 'ZOHO_CLIENT_ID refused (invalid_client): unknown in this data centre (ZOHO_DC)',
  invalid_client_secret: 'ZOHO_CLIENT_SECRET refused (invalid_client_secret)',
};
const THROTTLED = 'Zoho throttles token requests (10 per 10 minutes)';

export class OAuthClient {
  readonly #tokenUrl: string;
  readonly #options: OAuthClientOptions;
  readonly #now: () => number;

  constructor(options: OAuthClientOptions) {
    throwIfProblems('OAuthClient', [
      httpUrl('accountsUrl', options.accountsUrl ?? ''),
      presentSecret('clientId', options.clientId),
      presentSecret('clientSecret', options.clientSecret),
      presentSecret('refreshToken', options.refreshToken),
      positiveNumber('timeoutMs', options.timeoutMs),
    ]);
    this.#options = options;
    this.#tokenUrl = `${options.accountsUrl.replace(/\/+$/, '')}/oauth/v2/token`;
    this.#now = options.now ?? Date.now;
  }

  /** POST {accounts}/oauth/v2/token with grant_type=refresh_token. Throws AccountsError. */
  async mint(): Promise<AccessToken> {
    // Count the lifetime from before the request: the token may be issued any time until the answer.
    const startedAtMs = this.#now();
    const { statusCode, text } = await this.#post();
    return this.#parse(statusCode, text, startedAtMs);
  }

  async #post(): Promise<{ statusCode: number; text: string }> {
    // A form body, not the query string the docs show: both work (docs/zoho.md#access-tokens), and
    // secrets stay out of URLs that proxies and access logs record.
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: this.#options.clientId,
      client_secret: this.#options.clientSecret,
      refresh_token: this.#options.refreshToken,
    });
    try {
      const response = await request(this.#tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000),
        ...(this.#options.dispatcher ? { dispatcher: this.#options.dispatcher } : {}),
      });
      return { statusCode: response.statusCode, text: await response.body.text() };
    } catch (error) {
      const verdict = classifyNetworkError(error);
      const message = `the Zoho accounts server ${new URL(this.#tokenUrl).origin} did not answer (${verdict.code})`;
      throw new AccountsError(this.#redact(message), { isRetryable: verdict.kind === 'retry', description: this.#redact(verdict.message), cause: error });
    }
  }

  #parse(statusCode: number, text: string, startedAtMs: number): AccessToken {
    const json = parseJsonObject(text);
    // The accounts server reports errors with HTTP 200 and an `error` key
    // (docs/zoho.md#errors-from-the-accounts-server): check the body first.
    if (json?.error !== undefined) throw this.#bodyError(statusCode, json);
    const accessToken = json?.access_token;
    if (json === undefined || typeof accessToken !== 'string' || accessToken === '') {
      const shown = json === undefined ? `"${snippet(text, 80)}"` : 'JSON without an access_token';
      const throttled = statusCode === 429;
      throw new AccountsError(this.#redact(throttled ? THROTTLED : `the Zoho accounts server answered HTTP ${statusCode} with ${shown}`), {
        httpStatus: statusCode,
        isRetryable: statusCode >= 500 || throttled,
        throttled,
      });
    }
    const apiDomain = typeof json.api_domain === 'string' ? json.api_domain : '';
    return { accessToken, apiDomain, expiresAtMs: startedAtMs + lifetimeSeconds(json) * 1000, mintedAtMs: startedAtMs };
  }

  #bodyError(statusCode: number, json: Record<string, unknown>): AccountsError {
    const zohoError = String(json.error);
    const throttled = isThrottleAnswer(statusCode, json);
    const message = throttled
      ? THROTTLED
      : (REFUSALS[zohoError] ?? `the Zoho accounts server refused a token (${snippet(zohoError, 60)})`);
    const description = typeof json.error_description === 'string' ? this.#redact(snippet(json.error_description)) : undefined;
    return new AccountsError(this.#redact(message), {
      zohoError,
      httpStatus: statusCode,
      isRetryable: throttled || statusCode >= 500,
      throttled,
      description,
    });
  }

  #redact(message: string): string {
    return redactSecrets(message, [this.#options.clientSecret, this.#options.refreshToken]);
  }
}

/**
 * Is this `error` answer Zoho throttling the refresh token? Decided by the HTTP status and the answer's
 * shape, never by its words: the throttle answer is HTTP 400 with `"status": "failure"` and an `error`
 * and `error_description` written in the account's language ("Access Denied", "拒绝访问"), while a refused
 * credential is HTTP 200 with a machine code (`invalid_code`, `invalid_client`, …) and no `status`
 * (docs/zoho.md#errors-from-the-accounts-server). So: HTTP 429, or an `error` that is not a machine code
 * answered with HTTP 400 or with `"status": "failure"`.
 */
export function isThrottleAnswer(httpStatus: number, json: Record<string, unknown>): boolean {
  if (httpStatus === 429) return true;
  const isMachineCode = typeof json.error === 'string' && /^[a-z][a-z0-9_]*$/.test(json.error);
  if (isMachineCode) return false;
  return httpStatus === 400 || json.status === 'failure';
}

/**
 * `expires_in` is seconds; an older reply shape gives `expires_in` in ms plus `expires_in_sec`
 * (accepted by Zoho's SDK, docs/zoho.md#access-tokens), so `expires_in_sec` wins when present.
 */
function lifetimeSeconds(json: Record<string, unknown>): number {
  const seconds = toNumber(json.expires_in_sec) ?? toNumber(json.expires_in);
  return seconds !== undefined && seconds > 0 ? seconds : DEFAULT_LIFETIME_SECONDS;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

// ── One token per process ─────────────────────────────────────────────────────────────────────────────

export interface MemoryTokenProviderOptions {
  /** Where tokens come from, usually `() => oauthClient.mint()`. */
  mint: () => Promise<AccessToken>;
  /** Refresh this long before expiry, in ms. Default 5 min: calls in flight never carry a dying token. */
  refreshAheadMs?: number;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

/**
 * Below this much life left a token is not handed out at all (Zoho's SDK uses the same 5 s,
 * docs/zoho.md#access-tokens).
 */
const MIN_VALIDITY_MS = 5_000;
/** After a failed early refresh, keep serving the still-valid token this long before minting again. */
const EARLY_REFRESH_COOLDOWN_MS = 30_000;

/**
 * Caches one token; concurrent getToken() calls share one mint (single-flight). Inside the refresh-ahead
 * window a failed mint does not take away a token that still works: it is served for a cooldown instead
 * of hammering an accounts server that may be throttling us.
 */
export class MemoryTokenProvider implements TokenProvider {
  readonly #mint: () => Promise<AccessToken>;
  readonly #refreshAheadMs: number;
  readonly #now: () => number;
  #current: AccessToken | undefined;
  #inflight: Promise<AccessToken> | undefined;
  #earlyRefreshBlockedUntilMs = 0;

  constructor(options: MemoryTokenProviderOptions) {
    throwIfProblems('MemoryTokenProvider', [
      typeof options.mint === 'function' ? undefined : 'mint: expected a function',
      nonNegativeNumber('refreshAheadMs', options.refreshAheadMs),
    ]);
    this.#mint = options.mint;
    this.#refreshAheadMs = options.refreshAheadMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  async getToken(): Promise<AccessToken> {
    const now = this.#now();
    const current = this.#current;
    if (current && now < current.expiresAtMs - this.#refreshAheadMs) return current;
    const stillValid = current !== undefined && now < current.expiresAtMs - MIN_VALIDITY_MS;
    if (!stillValid) return this.#refresh();
    if (now < this.#earlyRefreshBlockedUntilMs) return current;
    try {
      return await this.#refresh();
    } catch {
      this.#earlyRefreshBlockedUntilMs = now + EARLY_REFRESH_COOLDOWN_MS;
      return current;
    }
  }

  async invalidate(accessToken: string): Promise<void> {
    // Only the token that failed: another caller may already have replaced it with a fresh one.
    if (this.#current?.accessToken === accessToken) this.#current = undefined;
  }

  #refresh(): Promise<AccessToken> {
    this.#inflight ??= this.#mint()
      .then((token) => {
        this.#current = token;
        this.#earlyRefreshBlockedUntilMs = 0;
        return token;
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }
}
