/**
 * Where a file is: a local path, or a URL of one of the remote stores relsync reads and writes
 * (`sftp://user@host[:port]/path`, `s3://bucket/key`, `https://host/path`). Parsing is pure: no
 * connection, no file-system call. Credentials never travel inside a URL — a password, an access key
 * or a token written into one is refused with advice to use the environment — so a location can be
 * printed, logged and stored in the ledger as it is.
 */
import { ErrorCodes, UserError } from '../errors.js';

export type Location =
  | { kind: 'local'; path: string }
  | { kind: 'sftp'; user: string; host: string; port: number; path: string }
  | { kind: 's3'; bucket: string; key: string }
  | { kind: 'https'; url: string };

const REMOTE = /^(sftp|s3|https?):\/\//i;

/** `value` is a URL of a remote store (or an http:// one, which is refused when parsed). */
export function isRemote(value: string): boolean {
  return REMOTE.test(value);
}

/** Where the variable to use instead lives, for the refusal of credentials written into a URL. */
const CREDENTIALS_ADVICE: Record<string, string> = {
  'sftp:': 'the private key comes from the file named by RELSYNC_SFTP_KEY_FILE',
  's3:': 'keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  'https:': 'an Authorization header value comes from RELSYNC_HTTP_AUTHORIZATION',
};

/**
 * A local path is returned as it is (the caller resolves it); a URL is checked: its scheme, its parts,
 * and no credentials in it. `what` names the setting or argument in messages.
 */
export function parseLocation(value: string, what: string): Location {
  if (!isRemote(value)) return { kind: 'local', path: value };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(ErrorCodes.SOURCE_URL_INVALID, `${what}: expected a URL like sftp://user@host/path, s3://bucket/key or https://host/path, got '${stripCredentials(value)}'`);
  }
  const scheme = url.protocol.toLowerCase();
  if (scheme === 'http:') {
    throw new UserError(ErrorCodes.SOURCE_URL_INVALID, `${what}: expected https:// (a file is not fetched in the clear), got '${shownUrl(url)}'`);
  }
  const userInfo = scheme === 'sftp:' ? url.password !== '' : url.username !== '' || url.password !== '';
  if (userInfo || hasSecretQuery(url)) {
    throw new UserError(ErrorCodes.SOURCE_URL_INVALID, `${what}: credentials inside a URL are refused ('${shownUrl(url)}'): ${CREDENTIALS_ADVICE[scheme]}`);
  }
  const path = decodeURIComponent(url.pathname);
  if (scheme === 'sftp:') {
    if (url.username === '' || url.hostname === '' || path === '' || path === '/') {
      throw new UserError(ErrorCodes.SOURCE_URL_INVALID, `${what}: expected sftp://user@host[:port]/path, got '${shownUrl(url)}'`);
    }
    return { kind: 'sftp', user: decodeURIComponent(url.username), host: url.hostname, port: url.port === '' ? 22 : Number(url.port), path };
  }
  if (scheme === 's3:') {
    if (url.hostname === '') throw new UserError(ErrorCodes.SOURCE_URL_INVALID, `${what}: expected s3://bucket/key, got '${shownUrl(url)}'`);
    return { kind: 's3', bucket: url.hostname, key: path.replace(/^\/+/, '') };
  }
  return { kind: 'https', url: url.toString() };
}

/** Pre-signed URLs carry their signature in the query: a secret, refused like a password. */
function hasSecretQuery(url: URL): boolean {
  return [...url.searchParams.keys()].some((key) => /^(x-amz-signature|x-amz-credential|signature|sig|token|access_token|api_key|apikey|password)$/i.test(key));
}

/** A URL as it may be printed and logged: no user or password, and a query (which may hold a signature) as `?***`. */
export function shownUrl(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.password) copy.password = '***';
  if (copy.username && copy.protocol !== 'sftp:') copy.username = '***';
  copy.search = copy.search === '' ? '' : '?***';
  return copy.toString();
}

/** A string that failed to parse as a URL, with anything between `//` and `@` hidden. */
function stripCredentials(value: string): string {
  return value.replace(/\/\/[^@/]*@/, '//***@');
}

/** The location as it is printed, logged and stored: a URL has no credentials (parseLocation refused them). */
export function formatLocation(location: Location): string {
  switch (location.kind) {
    case 'local': return location.path;
    case 'sftp': return `sftp://${encodeURIComponent(location.user)}@${location.host}${location.port === 22 ? '' : `:${location.port}`}${encodeURI(location.path)}`;
    case 's3': return `s3://${location.bucket}/${encodeURI(location.key)}`;
    case 'https': return location.url;
  }
}

/** The location of `name` inside the folder (or key prefix) `folder`. */
export function childOf(folder: Location, name: string): Location {
  switch (folder.kind) {
    case 'local': return { kind: 'local', path: `${folder.path.replace(/\/+$/, '')}/${name}` };
    case 'sftp': return { ...folder, path: `${folder.path.replace(/\/+$/, '')}/${name}` };
    case 's3': return { ...folder, key: folder.key === '' ? name : `${folder.key.replace(/\/+$/, '')}/${name}` };
    case 'https': return { kind: 'https', url: new URL(name, folder.url.endsWith('/') ? folder.url : `${folder.url}/`).toString() };
  }
}

/** The last segment of the location's path: the file's name. */
export function nameOf(location: Location): string {
  const path = location.kind === 's3' ? location.key : location.kind === 'https' ? new URL(location.url).pathname : location.path;
  return path.replace(/\/+$/, '').split('/').pop() ?? '';
}

/** The folder holding the location (its path or key without the last segment). */
export function parentOf(location: Location): Location {
  const strip = (path: string): string => path.replace(/\/+$/, '').replace(/\/[^/]*$/, '') || '/';
  switch (location.kind) {
    case 'local': return { kind: 'local', path: strip(location.path) };
    case 'sftp': return { ...location, path: strip(location.path) };
    case 's3': return { ...location, key: location.key.includes('/') ? location.key.replace(/\/[^/]*$/, '') : '' };
    case 'https': return { kind: 'https', url: new URL('.', location.url).toString() };
  }
}
