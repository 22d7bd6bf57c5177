/**
 * Access tokens of the simulated accounts server (docs/zoho.md#access-tokens): at most `mintLimit` mints
 * per refresh token per rolling `mintWindowMs` (the rest of the window is blocked), at most
 * `maxActiveTokens` live tokens per refresh token (a new one invalidates the oldest), each valid for
 * `tokenTtlS`.
 */
import { randomBytes } from 'node:crypto';
import { RollingWindow } from './limits.js';
import type { SimulatorOptions } from './simulator-options.js';

export interface AccessToken {
  token: string;
  refreshToken: string;
  /** Scopes granted at mint time (a later `setOptions({ scopes })` does not widen old tokens). */
  scopes: readonly string[];
  issuedAt: number;
  /** Epoch ms after which the token answers INVALID_TOKEN. */
  expiresAt: number;
}

export type TokenLookup = { kind: 'valid'; token: AccessToken } | { kind: 'unknown' } | { kind: 'expired' };

type TokenSettings = Pick<SimulatorOptions, 'mintLimit' | 'mintWindowMs' | 'maxActiveTokens' | 'tokenTtlS' | 'scopes'>;

/** Looks like Zoho's: `1000.<32 hex>.<32 hex>`. */
function newTokenString(): string {
  return `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
}

export class TokenStore {
  private readonly tokens = new Map<string, AccessToken>();
  /** Live tokens per refresh token, oldest first. */
  private readonly activeByRefresh = new Map<string, string[]>();
  private readonly mintsByRefresh = new Map<string, RollingWindow>();
  /** Every token string ever issued, in order: kept only so tests can check none leaked. */
  private readonly issued: string[] = [];

  /** Issues a token, or returns null when this refresh token is over its mint limit. */
  mint(refreshToken: string, now: number, settings: TokenSettings): AccessToken | null {
    const mints = this.mintWindow(refreshToken);
    if (mints.total(now, settings.mintWindowMs) >= settings.mintLimit) return null;
    mints.add(now, 1);
    const token: AccessToken = {
      token: newTokenString(),
      refreshToken,
      scopes: [...settings.scopes],
      issuedAt: now,
      expiresAt: now + settings.tokenTtlS * 1000,
    };
    this.tokens.set(token.token, token);
    this.issued.push(token.token);
    this.activate(token, now, settings.maxActiveTokens);
    return token;
  }

  lookup(token: string, now: number): TokenLookup {
    const found = this.tokens.get(token);
    if (found === undefined) return { kind: 'unknown' };
    if (now >= found.expiresAt) return { kind: 'expired' };
    return { kind: 'valid', token: found };
  }

  /** Makes every issued token expired (a test's "an hour has passed" without moving the clock). */
  expireAll(now: number): void {
    for (const token of this.tokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }

  /** Every token string issued so far, oldest first. */
  minted(): string[] {
    return [...this.issued];
  }

  /** Forgets the mint history, lifting any "too many requests" block. Tokens stay valid. */
  clearMintHistory(): void {
    this.mintsByRefresh.clear();
  }

  private mintWindow(refreshToken: string): RollingWindow {
    let window = this.mintsByRefresh.get(refreshToken);
    if (window === undefined) {
      window = new RollingWindow();
      this.mintsByRefresh.set(refreshToken, window);
    }
    return window;
  }

  /** Expired tokens are no longer "active"; of the live ones only the newest `maxActive` survive. */
  private activate(token: AccessToken, now: number, maxActive: number): void {
    const active = (this.activeByRefresh.get(token.refreshToken) ?? []).filter(
      (value) => (this.tokens.get(value)?.expiresAt ?? 0) > now,
    );
    active.push(token.token);
    while (active.length > maxActive) {
      const oldest = active.shift();
      if (oldest !== undefined) this.tokens.delete(oldest);
    }
    this.activeByRefresh.set(token.refreshToken, active);
  }
}
