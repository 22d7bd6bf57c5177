/**
 * What stands in front of Bull Board, which has no protection of its own:
 *
 * - **Headers**: a Content-Security-Policy that lets the page load nothing from another origin (no
 *   fonts, scripts or beacons from the internet) and not be framed (clickjacking of an action).
 * - **Login**, when a token is set (RELSYNC_DASHBOARD_TOKEN; required off loopback): every request
 *   carries `Authorization: Bearer <token>` or the session cookie that `/login` sets once the token is
 *   typed there. The cookie holds an HMAC of the token, never the token.
 * - **CSRF**, on every request that is not GET/HEAD/OPTIONS (Bull Board's actions are PUT, PATCH and
 *   POST): refused with 403 when the browser says it comes from another site (`Sec-Fetch-Site`, or an
 *   `Origin` other than our own Host), and unless it carries the double-submit token: the header
 *   `X-XSRF-TOKEN` equal to the `XSRF-TOKEN` cookie we set, signed with a key of this process. Bull
 *   Board's UI sends that header by itself (axios's xsrfCookieName/xsrfHeaderName defaults), so the
 *   board works unchanged. A request with the bearer header needs no CSRF token: a browser never
 *   adds that header to a cross-site request. OWASP's CSRF cheat sheet ("Signed Double-Submit
 *   Cookie", "Verifying Origin With Standard Headers", "Fetch Metadata") is the reference.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';

export interface GuardOptions {
  /** RELSYNC_DASHBOARD_TOKEN; undefined: no login (the caller allows that on loopback only). */
  token?: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SESSION_COOKIE = 'relsync_dashboard_session';
/** axios's defaults, which Bull Board's UI uses: it copies the cookie into the header on same-origin calls. */
const XSRF_COOKIE = 'XSRF-TOKEN';
const XSRF_HEADER = 'x-xsrf-token';

/**
 * Only 'self': the board's own scripts, styles (inline ones too: Bull Board's loading screen and React
 * use them), images and API. 'unsafe-eval' for the JSON-schema validator Bull Board's job editor may
 * compile with `new Function`; it loads nothing.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The middleware, in order; mount it before the board. */
export function dashboardGuard(options: GuardOptions): express.Router {
  const router = express.Router();
  const xsrfKey = randomBytes(32);
  router.use(securityHeaders);
  router.use(sameOriginForActions);
  if (options.token !== undefined) {
    const token = options.token;
    router.get('/login', (req, res) => sendLogin(res, 200));
    router.post('/login', express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => logIn(req, res, token));
    router.use(requireLogin(token));
  }
  router.use(xsrf(xsrfKey, options.token));
  return router;
}

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    // Not 'no-referrer': under it a browser sends `Origin: null` with our own form posts, which the
    // CSRF check must refuse. 'same-origin' still tells other sites nothing.
    'Referrer-Policy': 'same-origin',
  });
  next();
}

/** Refuses an unsafe request a browser marks as coming from another site. */
function sameOriginForActions(req: Request, res: Response, next: NextFunction): void {
  if (SAFE_METHODS.has(req.method)) return next();
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  // 'none': typed or bookmarked by the user; 'same-site' is still another origin (a sibling host).
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return refuse(res, `a request from another site (Sec-Fetch-Site: ${site})`);
  if (origin !== undefined && !isOwnOrigin(origin, req.get('host'))) return refuse(res, 'a request from another origin (Origin header)');
  next();
}

function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // 'null' (a sandboxed or file page) and anything unparsable
  }
}

function requireLogin(token: string): (req: Request, res: Response, next: NextFunction) => void {
  const session = sessionValue(token);
  return (req, res, next) => {
    if (hasBearer(req, token) || sameSecret(cookie(req, SESSION_COOKIE), session)) return next();
    // A browser opening a page (it asks for HTML by name) goes to the login form; anything else gets 401.
    if ((req.method === 'GET' || req.method === 'HEAD') && /\btext\/html\b/.test(req.get('accept') ?? '')) {
      res.redirect(303, '/login');
      return;
    }
    res.status(401).set('WWW-Authenticate', 'Bearer realm="relsync dashboard"')
      .json({ error: 'relsync dashboard: log in at /login, or send Authorization: Bearer <RELSYNC_DASHBOARD_TOKEN>' });
  };
}

function logIn(req: Request, res: Response, token: string): void {
  const given = (req.body as Record<string, unknown> | undefined)?.token;
  if (typeof given !== 'string' || !sameSecret(given, token)) return sendLogin(res, 401, 'That is not the token.');
  // HttpOnly and SameSite=Strict: no script reads it, and no request from another site carries it.
  res.cookie(SESSION_COOKIE, sessionValue(token), { httpOnly: true, sameSite: 'strict', path: '/' });
  res.redirect(303, '/');
}

/** Sets the XSRF cookie on safe requests that lack a valid one; refuses unsafe ones without the matching header. */
function xsrf(key: Buffer, token: string | undefined): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const fromCookie = cookie(req, XSRF_COOKIE);
    const valid = fromCookie !== undefined && isSignedNonce(fromCookie, key);
    if (SAFE_METHODS.has(req.method)) {
      // Readable by the page's script (axios copies it into the header); SameSite=Strict all the same.
      if (!valid) res.cookie(XSRF_COOKIE, signedNonce(key), { sameSite: 'strict', path: '/' });
      return next();
    }
    if (token !== undefined && hasBearer(req, token)) return next();
    if (valid && sameSecret(req.get(XSRF_HEADER), fromCookie)) return next();
    refuse(res, `no valid CSRF token (the ${XSRF_HEADER} header must repeat the ${XSRF_COOKIE} cookie)`);
  };
}

function refuse(res: Response, why: string): void {
  res.status(403).type('text/plain').send(`relsync dashboard: refused: ${why}\n`);
}

function hasBearer(req: Request, token: string): boolean {
  const header = req.get('authorization');
  return header?.startsWith('Bearer ') === true && sameSecret(header.slice('Bearer '.length).trim(), token);
}

/** Constant-time equality of two strings (both hashed first, so their lengths do not show either). */
function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function sessionValue(token: string): string {
  return createHmac('sha256', token).update('relsync dashboard session').digest('base64url');
}

function signedNonce(key: Buffer): string {
  const nonce = randomBytes(18).toString('base64url');
  return `${nonce}.${createHmac('sha256', key).update(nonce).digest('base64url')}`;
}

/** Made by signedNonce with this key: a cookie planted by a sibling host cannot pass. */
function isSignedNonce(value: string, key: Buffer): boolean {
  const [nonce, signature, extra] = value.split('.');
  if (nonce === undefined || signature === undefined || extra !== undefined) return false;
  return sameSecret(signature, createHmac('sha256', key).update(nonce).digest('base64url'));
}

/** One cookie's value from the Cookie header (RFC 6265 §5.4: `name=value` pairs joined by "; "). */
function cookie(req: Request, name: string): string | undefined {
  for (const pair of (req.get('cookie') ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

function sendLogin(res: Response, status: number, problem?: string): void {
  res.status(status).type('html').send(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>relsync dashboard: log in</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto">
<h1 style="font-size: 1.25rem">relsync dashboard</h1>
${problem === undefined ? '' : `<p role="alert">${problem}</p>`}
<form method="post" action="/login">
<label>Token (RELSYNC_DASHBOARD_TOKEN) <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Log in</button>
</form>
</body></html>
`);
}
