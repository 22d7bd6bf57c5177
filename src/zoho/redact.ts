/**
 * Defence in depth for messages we build from text we did not write (Zoho bodies, socket errors):
 * tokens must never reach a report, a log or a job's failure reason.
 */

// Zoho access and refresh tokens look like `1000.<hex>.<hex>` (https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html).
const ZOHO_TOKEN = /\b1000\.[A-Za-z0-9]{8,}\.[A-Za-z0-9]{8,}\b/g;
const AUTH_HEADER = /(Zoho-oauthtoken|Bearer)\s+[^\s,;"']+/gi;

/** Replace anything that looks like a Zoho token, plus every literal secret given, by `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(AUTH_HEADER, '$1 [redacted]').replace(ZOHO_TOKEN, '[redacted]');
  for (const secret of secrets) {
    // Short strings would redact ordinary words; real secrets are long.
    if (secret.length >= 6) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** Cut a foreign text (an HTML error page, say) to a size that fits one report cell. */
export function snippet(text: string, maxChars = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars)}…`;
}
