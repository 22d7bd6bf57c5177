/**
 * The one way any relsync process gets a Zoho access token: the token every worker and command shares
 * through Redis (shared-token-provider.ts), minted from the configured credentials only under the
 * shared lock, and only when no valid token is stored. `relsync worker` and `relsync check` both use
 * it, so ten checks beside running workers mint no token, and a check run alone mints at most one
 * (docs/zoho.md#access-tokens: 10 mints per refresh token per 10 minutes).
 */
import type { Redis } from 'ioredis';
import type { Dispatcher } from 'undici';
import { requireZohoCredentials, type Config } from '../config/config.js';
import { DATA_CENTRES } from '../config/data-centres.js';
import { OAuthClient, type AccessToken } from './oauth-client.js';
import { SharedTokenProvider } from './shared-token-provider.js';

export interface SharedTokensOptions {
  /** For the accounts server. Default: undici's global dispatcher. */
  dispatcher?: Dispatcher;
  /** Whole token exchange, in ms. Default: OAuthClient's (30 s). */
  timeoutMs?: number;
  /** Told of every token this process mints (for a log line). */
  onMint?: (token: AccessToken) => void;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** Told of each mint the accounts server refused (for metrics). */
  onMintError?: (error: unknown) => void;
}

/** Throws CONFIG_INVALID naming every missing credential. */
export function createSharedTokens(config: Config, redis: Redis, options: SharedTokensOptions = {}): SharedTokenProvider {
  const credentials = requireZohoCredentials(config);
  const oauth = new OAuthClient({
    accountsUrl: config.zoho.accountsUrl ?? DATA_CENTRES[config.zoho.dc].accountsUrl,
    ...credentials,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return new SharedTokenProvider({
    redis,
    prefix: config.prefix,
    // Hashed into the keys, never stored. The secret is part of it: a check with a wrong secret must
    // ask Zoho (and hear invalid_client_secret) rather than reuse the workers' token.
    credentialsId: `${credentials.clientId}:${credentials.clientSecret}:${credentials.refreshToken}`,
    // Other processes reuse a failed mint's answer for half a probe interval instead of minting again
    // (a throttle is remembered for ten minutes: shared-token-provider.ts).
    failureTtlMs: Math.min(30_000, config.zoho.pauseProbeMs / 2),
    ...(options.now ? { now: options.now } : {}),
    mint: async () => {
      const token = await oauth.mint().catch((error: unknown) => {
        options.onMintError?.(error);
        throw error;
      });
      options.onMint?.(token);
      return token;
    },
  });
}
