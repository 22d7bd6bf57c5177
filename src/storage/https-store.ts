/**
 * A file behind an https:// URL, read with undici: an optional Authorization header from
 * RELSYNC_HTTP_AUTHORIZATION (a secret: never in a message), and CAs from RELSYNC_HTTP_CA_FILE
 * trusted besides the system's. Redirects are followed (`send`). Read only: it has no listing, no
 * writing, no moving.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import type { RemoteSettings } from '../config/config.js';
import { ErrorCodes, UserError } from '../errors.js';
import { formatLocation, shownUrl, type Location } from './location.js';
import { unreachable, type Store } from './store.js';

type Https = Extract<Location, { kind: 'https' }>;

/** Redirects followed before giving up: enough for a CDN or a hand-off to a pre-signed URL, not a loop. */
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function httpsStore(settings: RemoteSettings): Store<Https> {
  let agent: Agent | undefined;
  const dispatcher = (): Agent => (agent ??= new Agent({
    connect: { timeout: settings.timeoutMs, ...(settings.https.caFile ? { ca: [...rootCertificates, readCa(settings.https.caFile)] } : {}) },
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
  }));
  /** One request to `url`, its network failure named by the location the user gave (and the hop, if another). */
  const ask = async (location: Https, url: URL, method: 'GET' | 'HEAD', authorization: string | undefined): Promise<Dispatcher.ResponseData> => {
    try {
      return await request(url, { method, headers: authorization ? { authorization } : undefined, dispatcher: dispatcher() });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw unreachable(location, url.href === location.url ? code : `${code} at ${shownUrl(url)}`, error);
    }
  };

  /**
   * The answer with the file, after at most MAX_REDIRECTS redirects. A redirect is followed only to
   * https:// (never to the clear), and the Authorization header (RELSYNC_HTTP_AUTHORIZATION) is sent
   * only while every hop stays on the origin of the URL the user gave, as curl and browsers do: a
   * bucket's pre-signed URL or a CDN never sees the token. A hop is named without its query, which
   * may hold a signature.
   */
  const send = async (location: Https, method: 'GET' | 'HEAD'): Promise<Dispatcher.ResponseData> => {
    const where = formatLocation(location);
    const first = new URL(location.url);
    let url = first;
    let authorization = settings.https.authorization;
    const visited = new Set([url.href]);
    for (let redirects = 0; ; redirects += 1) {
      const answer = await ask(location, url, method, authorization);
      const status = answer.statusCode;
      const at = url === first ? '' : ` at ${shownUrl(url)}`;
      if (status >= 200 && status < 300) return answer;
      await answer.body.dump().catch(() => undefined);
      if (REDIRECTS.has(status)) {
        const next = redirectTarget(where, url, status, answer.headers.location);
        if (next.protocol !== 'https:') throw new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: redirected${at} to ${shownUrl(next)}: refused, a file is not fetched in the clear (only https:// redirects are followed)`);
        if (visited.has(next.href)) throw new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: a redirect loop (back to ${shownUrl(next)}); give the file's final URL`);
        if (redirects >= MAX_REDIRECTS) throw new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: more than ${MAX_REDIRECTS} redirects (the last to ${shownUrl(next)}); give the file's final URL`);
        if (next.origin !== first.origin) authorization = undefined;
        visited.add(next.href);
        url = next;
        continue;
      }
      if (status === 404 || status === 410) throw new UserError(ErrorCodes.FILE_NOT_FOUND, `${where}: no such file (HTTP ${status}${at})`);
      if (status === 401 || status === 403) {
        const check = url.origin === first.origin ? 'check RELSYNC_HTTP_AUTHORIZATION' : 'RELSYNC_HTTP_AUTHORIZATION is not sent to another origin';
        throw new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: refused (HTTP ${status}${at}): ${check}`);
      }
      if (status >= 500 || status === 408 || status === 429) throw unreachable(location, `HTTP ${status}${at}`);
      throw new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: expected 200 with the file, got HTTP ${status}${at}`);
    }
  };

  const readOnly = (what: string): never => {
    throw new UserError(ErrorCodes.SOURCE_URL_INVALID, `https:// is read only: ${what} needs an sftp:// or s3:// location`);
  };

  return {
    async stat(location) {
      try {
        const answer = await send(location, 'HEAD').catch((error: UserError) => {
          // A server that does not answer HEAD: the file's size and time are unknown, not refused.
          if (/HTTP (405|501)\b/.test(error.message)) return undefined;
          throw error;
        });
        if (!answer) return { location, name: new URL(location.url).pathname.split('/').pop() ?? '', size: -1, mtimeMs: 0 };
        await answer.body.dump();
        const modified = Date.parse(String(answer.headers['last-modified'] ?? ''));
        return {
          location, name: new URL(location.url).pathname.split('/').pop() ?? '',
          size: Number(answer.headers['content-length'] ?? -1), mtimeMs: Number.isNaN(modified) ? 0 : modified,
          etag: typeof answer.headers.etag === 'string' ? answer.headers.etag : undefined,
        };
      } catch (error) {
        if ((error as UserError).code === ErrorCodes.FILE_NOT_FOUND) return undefined;
        throw error;
      }
    },
    async read(location) {
      const answer = await send(location, 'GET');
      const body = answer.body as unknown as Readable;
      body.once('error', () => undefined);
      return body;
    },
    write: () => readOnly('writing'),
    list: () => readOnly('a pattern (a listing)'),
    move: () => readOnly('moving a file'),
    remove: () => readOnly('removing a file'),
    async close() {
      await agent?.close();
      agent = undefined;
    },
  };
}

/** Where a redirect leads, resolved against the URL that answered it. */
function redirectTarget(where: string, from: URL, status: number, header: string | string[] | undefined): URL {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) throw new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: HTTP ${status} without a Location to follow (at ${shownUrl(from)})`);
  try {
    return new URL(value, from);
  } catch {
    throw new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: HTTP ${status} with a Location that is not a URL (at ${shownUrl(from)})`);
  }
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(ErrorCodes.CONFIG_INVALID, `RELSYNC_HTTP_CA_FILE: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}
