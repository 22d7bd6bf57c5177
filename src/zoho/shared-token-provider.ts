/**
 * An access token shared by every process through Redis, refreshed by one process at a time.
 *
 * Why: Zoho's accounts server mints at most 10 access tokens per refresh token per 10 minutes and then
 * blocks for the rest of the window (docs/zoho.md#access-tokens). Twenty workers starting together, or a
 * token expiring under many workers, must mint one token, not twenty. So: the token lives in Redis;
 * a process that finds it missing or near expiry takes a short lock, re-checks, mints, stores; the
 * others wait for the stored token. A failed mint is remembered in Redis so the others do not retry
 * it: briefly for most failures, and for ten minutes when Zoho throttled us, after which one process
 * (the one that takes the lock) probes with one mint (docs/zoho.md#unknown-how-long-a-mint-lockout-lasts).
 * Meanwhile a token that has not expired yet is still served.
 *
 * The stored token is encrypted (AES-256-GCM, key derived from the credentials every worker already
 * holds): whoever can read Redis — a dashboard, a backup, MONITOR — must not get a live API token.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ErrorCodes, RelsyncError, isErrorCode } from '../errors.js';
import { AccountsError, type AccessToken, type TokenProvider } from './oauth-client.js';

export interface SharedTokenProviderOptions {
  redis: Redis;
  prefix: string;
  /** Identifies the credentials (client id + refresh token) without storing them: hashed into the key. */
  credentialsId: string;
  mint: () => Promise<AccessToken>;
  /**
   * Refresh this long before expiry (ms), or a quarter of the token's lifetime when that is shorter.
   * Default 5 minutes: no call starts with a token about to die.
   */
  refreshAheadMs?: number;
  /** Lock lifetime (ms); longer than a mint can take. Default 30 s. */
  lockTtlMs?: number;
  /** How long a failed mint is remembered so other processes fail fast instead of minting (ms). Default 30 s. */
  failureTtlMs?: number;
  /**
   * After Zoho throttled a mint, no process asks for a token for this long (ms); then one probes.
   * Default 10 minutes: Zoho blocks "for the rest of the ten minutes", and asking again meanwhile may
   * prolong the block (docs/zoho.md#unknown-how-long-a-mint-lockout-lasts).
   */
  throttleBlockMs?: number;
  /** Poll interval while another process mints (ms). Default 100. */
  pollMs?: number;
  now?: () => number;
}

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** Drops the stored token only if it is still the one named by ARGV[1], its fingerprint. */
const DROP_IF_SAME_LUA = `local v = redis.call('GET', KEYS[1]) if v and string.find(v, ARGV[1], 1, true) then return redis.call('DEL', KEYS[1]) end return 0`;

/** A failed mint as every process sees it, until `untilMs` (epoch ms by the injected clock). */
interface StoredFailure {
  code: string;
  message: string;
  isRetryable: boolean;
  untilMs: number;
  throttled?: boolean;
  zohoError?: string;
  httpStatus?: number;
}
type StoredToken = AccessToken & { mintedAtMs?: number };
/** What the token key holds: the token sealed, and a fingerprint (not the token) to match invalidate() on. */
interface SealedToken { v: 1; fp: string; iv: string; tag: string; data: string }

export class SharedTokenProvider implements TokenProvider {
  readonly #o: Required<Omit<SharedTokenProviderOptions, 'credentialsId'>>;
  readonly #tokenKey: string;
  readonly #lockKey: string;
  readonly #failureKey: string;
  readonly #sealKey: Buffer;
  #cached: StoredToken | undefined;
  #inFlight: Promise<AccessToken> | undefined;

  constructor(options: SharedTokenProviderOptions) {
    this.#o = { refreshAheadMs: 300_000, lockTtlMs: 30_000, failureTtlMs: 30_000, throttleBlockMs: 600_000, pollMs: 100, now: Date.now, ...options };
    const id = createHash('sha256').update(options.credentialsId).digest('hex').slice(0, 16);
    this.#tokenKey = `${options.prefix}:oauth:${id}:token`;
    this.#lockKey = `${options.prefix}:oauth:${id}:lock`;
    this.#failureKey = `${options.prefix}:oauth:${id}:failure`;
    this.#sealKey = Buffer.from(hkdfSync('sha256', options.credentialsId, 'relsync token cache', 'aes-256-gcm v1', 32));
  }

  async getToken(): Promise<AccessToken> {
    if (this.#cached && this.#isFresh(this.#cached)) return this.#cached;
    // One load per process at a time; concurrent callers share it.
    this.#inFlight ??= this.#load().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  async invalidate(accessToken: string): Promise<void> {
    if (this.#cached?.accessToken === accessToken) this.#cached = undefined;
    await this.#o.redis.eval(DROP_IF_SAME_LUA, 1, this.#tokenKey, `"fp":"${fingerprint(accessToken)}"`);
  }

  #isFresh(token: StoredToken): boolean {
    const lifetimeMs = token.mintedAtMs === undefined ? Infinity : token.expiresAtMs - token.mintedAtMs;
    return token.expiresAtMs - Math.min(this.#o.refreshAheadMs, lifetimeMs / 4) > this.#o.now();
  }

  async #load(): Promise<AccessToken> {
    const deadline = this.#o.now() + this.#o.lockTtlMs * 2;
    for (;;) {
      const stored = await this.#readStored();
      if (stored && this.#isFresh(stored)) return (this.#cached = stored);
      const served = this.#duringFailure(await this.#readFailure(), stored);
      if (served) return served;
      const lock = randomUUID();
      if ((await this.#o.redis.set(this.#lockKey, lock, 'PX', this.#o.lockTtlMs, 'NX')) === 'OK') {
        try {
          // Again under the lock: another process may have stored a token, or a failure, meanwhile. So
          // after a throttle exactly one process probes, and the others see its answer.
          const again = await this.#readStored();
          if (again && this.#isFresh(again)) return (this.#cached = again);
          const servedAgain = this.#duringFailure(await this.#readFailure(), again);
          if (servedAgain) return servedAgain;
          try {
            return (this.#cached = await this.#mintAndStore());
          } catch (error) {
            // An early refresh that failed does not take away a token that still works.
            if (again && this.#isUsable(again)) return again;
            throw error;
          }
        } finally {
          await this.#o.redis.eval(RELEASE_LUA, 1, this.#lockKey, lock);
        }
      }
      if (this.#o.now() > deadline) throw new RelsyncError(ErrorCodes.TOKEN_WAIT_TIMEOUT, 'timed out waiting for another worker to refresh the Zoho access token', { isRetryable: true });
      await new Promise((resolve) => setTimeout(resolve, this.#o.pollMs));
    }
  }

  /** The stored token, whatever its age; undefined when there is none or it cannot be opened. */
  async #readStored(): Promise<StoredToken | undefined> {
    const raw = await this.#o.redis.get(this.#tokenKey);
    return raw ? this.#unseal(raw) : undefined;
  }

  async #mintAndStore(): Promise<StoredToken> {
    let token: StoredToken;
    const mintedAtMs = this.#o.now();
    try {
      token = { ...(await this.#o.mint()), mintedAtMs };
    } catch (error) {
      const failure = this.#failureOf(error);
      await this.#o.redis.set(this.#failureKey, JSON.stringify(failure), 'PX', Math.max(1, failure.untilMs - this.#o.now()));
      throw failure.throttled ? failureError(failure, error) : error;
    }
    const ttlMs = Math.max(1_000, token.expiresAtMs - this.#o.now());
    await this.#o.redis.multi().set(this.#tokenKey, this.#seal(token), 'PX', ttlMs).del(this.#failureKey).exec();
    return token;
  }

  #failureOf(error: unknown): StoredFailure {
    const thrown = error as Partial<AccountsError> & Error;
    const throttled = thrown.throttled === true;
    return {
      code: typeof thrown.code === 'string' ? thrown.code : ErrorCodes.ACCOUNTS_ERROR,
      message: thrown.message,
      isRetryable: thrown.isRetryable ?? true,
      untilMs: this.#o.now() + (throttled ? this.#o.throttleBlockMs : this.#o.failureTtlMs),
      ...(throttled ? { throttled } : {}),
      ...(typeof thrown.zohoError === 'string' ? { zohoError: thrown.zohoError } : {}),
      ...(typeof thrown.httpStatus === 'number' ? { httpStatus: thrown.httpStatus } : {}),
    };
  }

  #seal(token: StoredToken): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#sealKey, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(token), 'utf8'), cipher.final()]);
    const sealed: SealedToken = { v: 1, fp: fingerprint(token.accessToken), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    return JSON.stringify(sealed);
  }

  /** Undefined for anything it cannot open (an older plain value, other credentials): a new token is minted. */
  #unseal(raw: string): StoredToken | undefined {
    try {
      const sealed = JSON.parse(raw) as SealedToken;
      if (sealed.v !== 1) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, Buffer.from(sealed.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const text = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
      return JSON.parse(text) as StoredToken;
    } catch {
      return undefined;
    }
  }

  async #readFailure(): Promise<StoredFailure | undefined> {
    const raw = await this.#o.redis.get(this.#failureKey);
    if (!raw) return undefined;
    const failure = JSON.parse(raw) as StoredFailure;
    // Redis expires the key by the wall clock; the injected clock decides (tests move it by hours).
    return typeof failure.untilMs === 'number' && failure.untilMs > this.#o.now() ? failure : undefined;
  }

  /**
   * While a failure is remembered nobody mints: a token that has not expired yet is still served (it
   * was only due for an early refresh), else the failure is thrown. Undefined: no failure, go on.
   */
  #duringFailure(failure: StoredFailure | undefined, stored: StoredToken | undefined): StoredToken | undefined {
    if (!failure) return undefined;
    if (stored && this.#isUsable(stored)) return stored;
    throw failureError(failure);
  }

  #isUsable(token: StoredToken): boolean {
    return token.expiresAtMs - MIN_VALIDITY_MS > this.#o.now();
  }
}

/** Below this much life left a stored token is not handed out, even during a failure. */
const MIN_VALIDITY_MS = 5_000;

/**
 * What every process throws while a failure is remembered: Zoho's refusal as it was (an AccountsError,
 * so callers still read `zohoError` and `throttled`), and after a throttle when the next mint may be asked.
 */
function failureError(failure: StoredFailure, cause?: unknown): RelsyncError {
  const code = isErrorCode(failure.code) ? failure.code : ErrorCodes.ACCOUNTS_ERROR;
  if (code !== ErrorCodes.ACCOUNTS_ERROR) return new RelsyncError(code, failure.message, { isRetryable: failure.isRetryable, cause });
  const message = failure.throttled ? `${failure.message}; next try ${new Date(failure.untilMs).toISOString().replace(/\.\d{3}Z$/, 'Z')}` : failure.message;
  return new AccountsError(message, { isRetryable: failure.isRetryable, throttled: failure.throttled, zohoError: failure.zohoError, httpStatus: failure.httpStatus, cause });
}

/** Names a token without revealing it. */
function fingerprint(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('hex').slice(0, 32);
}
