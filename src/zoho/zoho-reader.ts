/**
 * Authenticated reads of Zoho for the workers (the lookup tables of an import): the metadata-client
 * reads, with the token every worker shares (shared-token-provider.ts) and the same rules as a call
 * (zoho-client.ts): an `INVALID_TOKEN` drops the token and the read is made once more with a fresh one,
 * without counting as a try; a network error, 5xx or `INTERNAL_ERROR` is tried again after a short
 * jittered backoff, `tries` times in all. Anything else is answered as Zoho gave it, for the caller to
 * judge. Only getting a token may throw (AccountsError, TOKEN_WAIT_TIMEOUT).
 */
import { Agent, type Dispatcher } from 'undici';
import { backoffDelayMs } from './backoff.js';
import type { CallGate, CallOptions } from './call-gate.js';
import { getContactRoles, getModuleFields, type MetadataAnswer, type MetadataRequest, type ZohoContactRole, type ZohoField } from './metadata-client.js';
import type { TokenProvider } from './oauth-client.js';

export interface ZohoReaderOptions {
  tokens: TokenProvider;
  /** Overrides the token's api_domain (ZOHO_API_DOMAIN). */
  apiDomain?: string;
  /** Default 'v8'. */
  apiVersion?: string;
  /** Tries per read (network, 5xx). Default 3: a read that needs more fails its import step, which is retried. */
  tries?: number;
  /** Per read, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Tests may inject one (then not closed by close()); default: an Agent of this reader's own. */
  dispatcher?: Dispatcher;
  /** Waits between tries; tests make it instant. */
  sleep?: (ms: number) => Promise<void>;
  /** Every read takes a credit of our budget and a slot of the org-wide cap (call-gate.ts). */
  gate?: CallGate;
}

export class ZohoReader {
  readonly #options: ZohoReaderOptions;
  #agent: Agent | undefined;

  constructor(options: ZohoReaderOptions) {
    this.#options = options;
  }

  get apiVersion(): string {
    return this.#options.apiVersion ?? 'v8';
  }

  /** `options`: the caller's waits for the gate (its import's status while a credit is awaited). */
  contactRoles(options?: CallOptions): Promise<MetadataAnswer<ZohoContactRole[]>> {
    return this.#read((req) => getContactRoles(req), options);
  }

  moduleFields(module: string, options?: CallOptions): Promise<MetadataAnswer<ZohoField[]>> {
    return this.#read((req) => getModuleFields(req, module), options);
  }

  /** Closes this reader's own connections. */
  async close(): Promise<void> {
    const agent = this.#agent;
    this.#agent = undefined;
    await agent?.close();
  }

  async #read<T>(unGated: (req: MetadataRequest) => Promise<MetadataAnswer<T>>, options?: CallOptions): Promise<MetadataAnswer<T>> {
    const gate = this.#options.gate;
    // Each request is a call: the resend with a fresh token takes its own credit and slot.
    const read = gate ? (req: MetadataRequest) => gate.call(() => unGated(req), options) : unGated;
    const tries = this.#options.tries ?? 3;
    let answer: MetadataAnswer<T> | undefined;
    for (let attempt = 1; attempt <= tries; attempt++) {
      answer = await this.#withOneTokenRetry(read);
      if (answer.ok || !isRetryable(answer)) return answer;
      if (attempt < tries) await (this.#options.sleep ?? sleep)(backoffDelayMs(attempt, { baseMs: 500, maxMs: 5_000 }));
    }
    return answer as MetadataAnswer<T>;
  }

  async #withOneTokenRetry<T>(read: (req: MetadataRequest) => Promise<MetadataAnswer<T>>): Promise<MetadataAnswer<T>> {
    const token = await this.#options.tokens.getToken();
    const first = await read(this.#request(token.accessToken, token.apiDomain));
    if (first.ok || first.code !== 'INVALID_TOKEN') return first;
    await this.#options.tokens.invalidate(token.accessToken);
    const fresh = await this.#options.tokens.getToken();
    return read(this.#request(fresh.accessToken, fresh.apiDomain));
  }

  #request(accessToken: string, tokenApiDomain: string): MetadataRequest {
    this.#agent ??= this.#options.dispatcher ? undefined : new Agent({ connections: 2 });
    return {
      apiDomain: this.#options.apiDomain ?? tokenApiDomain,
      apiVersion: this.apiVersion,
      accessToken,
      dispatcher: this.#options.dispatcher ?? this.#agent,
      timeoutMs: this.#options.timeoutMs ?? 30_000,
    };
  }
}

/** No answer, a server error: worth another try. A 429 is not: the import step's own backoff waits longer. */
function isRetryable(answer: Extract<MetadataAnswer<unknown>, { ok: false }>): boolean {
  return (answer.httpStatus === 0 && answer.code !== 'INVALID_API_DOMAIN') || answer.httpStatus >= 500 || answer.code === 'INTERNAL_ERROR';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
