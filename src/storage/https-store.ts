/**
 * A file behind an https:// URL, read with undici: an optional Authorization header from
 * RELSYNC_HTTP_AUTHORIZATION (a secret: never in a message), and CAs from RELSYNC_HTTP_CA_FILE
 * trusted besides the system's. Read only: it has no listing, no writing, no moving.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import type { RemoteSettings } from '../config/config.js';
import { ErrorCodes, UserError } from '../errors.js';
import { formatLocation, type Location } from './location.js';
import { unreachable, type Store } from './store.js';

type Https = Extract<Location, { kind: 'https' }>;

export function httpsStore(settings: RemoteSettings): Store<Https> {
  let agent: Agent | undefined;
  const dispatcher = (): Agent => (agent ??= new Agent({
    connect: { timeout: settings.timeoutMs, ...(settings.https.caFile ? { ca: [...rootCertificates, readCa(settings.https.caFile)] } : {}) },
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
  }));
  const headers = settings.https.authorization ? { authorization: settings.https.authorization } : undefined;

  const send = async (location: Https, method: 'GET' | 'HEAD'): Promise<Dispatcher.ResponseData> => {
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(location.url, { method, headers, dispatcher: dispatcher() });
    } catch (error) {
      throw unreachable(location, (error as NodeJS.ErrnoException).code ?? (error as Error).message, error);
    }
    const status = answer.statusCode;
    if (status >= 200 && status < 300) return answer;
    await answer.body.dump().catch(() => undefined);
    const where = formatLocation(location);
    if (status === 404 || status === 410) throw new UserError(ErrorCodes.FILE_NOT_FOUND, `${where}: no such file (HTTP ${status})`);
    if (status === 401 || status === 403) throw new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: refused (HTTP ${status}): check RELSYNC_HTTP_AUTHORIZATION`);
    if (status >= 500 || status === 408 || status === 429) throw unreachable(location, `HTTP ${status}`);
    throw new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: expected 200 with the file, got HTTP ${status}${status >= 300 && status < 400 ? ' (a redirect: give the final URL)' : ''}`);
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

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(ErrorCodes.CONFIG_INVALID, `RELSYNC_HTTP_CA_FILE: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}
