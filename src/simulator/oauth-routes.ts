/**
 * The accounts server's token endpoint, `POST /oauth/v2/token`, refresh-token grant only
 * (docs/zoho.md#access-tokens).
 * Like Zoho it answers most mistakes with HTTP 200 and an `error` key, so a client must check the
 * body, not the status; only the mint rate limit is an HTTP 400.
 */
import type { Reply } from './http-io.js';
import type { SimulatorState } from './simulator-state.js';
import { now } from './simulator-state.js';

export const TOKEN_PATH = '/oauth/v2/token';

/**
 * Zoho's documented body for minting too fast, answered with HTTP 400, in English and as recorded from
 * a Chinese-language account: both `error` and `error_description` are translated
 * (docs/zoho.md#errors-from-the-accounts-server).
 */
export const MINT_DENIED_BODY = Object.freeze({
  error: 'Access Denied',
  error_description: 'You have made too many requests continuously. Please try again after some time.',
  status: 'failure',
});
export const MINT_DENIED_BODY_ZH = Object.freeze({
  error: '拒绝访问',
  error_description: '您已连续提出过多请求，请稍后再试。',
  status: 'failure',
});

const oauthError = (error: string): Reply => ({ status: 200, body: { error } });

/** The first reason these parameters cannot get a token, or null when they can. */
function rejectParams(state: SimulatorState, params: URLSearchParams): Reply | null {
  const { clientId, clientSecret, refreshToken } = state.options;
  const grantType = params.get('grant_type');
  if (grantType === 'authorization_code') return oauthError('invalid_code');
  if (grantType !== 'refresh_token') return oauthError('unsupported_grant_type');
  const id = params.get('client_id');
  if (!id || (clientId !== null && id !== clientId)) return oauthError('invalid_client');
  const secret = params.get('client_secret');
  if (!secret || (clientSecret !== null && secret !== clientSecret)) return oauthError('invalid_client_secret');
  if (params.get('refresh_token') !== refreshToken) return oauthError('invalid_code');
  return null;
}

export function handleTokenRequest(state: SimulatorState, method: string, params: URLSearchParams): Reply {
  state.counters.tokenRequests += 1;
  if (method !== 'POST') return { status: 400, body: { error: 'invalid_request', error_description: 'use POST' } };
  const rejected = rejectParams(state, params);
  if (rejected !== null) return rejected;
  const minted = state.tokens.mint(state.options.refreshToken, now(state), state.options);
  if (minted === null) {
    state.counters.mintsDenied += 1;
    return { status: 400, body: { ...(state.options.mintDeniedLanguage === 'zh' ? MINT_DENIED_BODY_ZH : MINT_DENIED_BODY) } };
  }
  state.counters.tokensMinted += 1;
  return {
    status: 200,
    body: {
      access_token: minted.token,
      scope: minted.scopes.join(' '),
      api_domain: state.url,
      token_type: 'Bearer',
      expires_in: state.options.tokenTtlS,
    },
  };
}
