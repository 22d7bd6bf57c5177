/**
 * An SFTP server as a store, over ssh2: one connection per `user@host:port`, opened on first use with
 * the private key of RELSYNC_SFTP_KEY_FILE (decrypted with RELSYNC_SFTP_KEY_PASSPHRASE if it has one),
 * after the host key was found in RELSYNC_SFTP_KNOWN_HOSTS. A connection that fails or breaks is
 * dropped, so the next try connects anew.
 */
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ssh2, { Client, type FileEntryWithStats, type SFTPWrapper, type Stats } from 'ssh2';
import type { RemoteSettings } from '../config/config.js';
import { ErrorCodes, UserError } from '../errors.js';
import { knownHostName, knownKeysFor } from './known-hosts.js';
import { formatLocation, type Location } from './location.js';
import { unreachable, type FileInfo, type Store } from './store.js';

type Sftp = Extract<Location, { kind: 'sftp' }>;

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that ssh2 puts in `error.code`. */
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;

interface Connection { client: Client; sftp: SFTPWrapper }

export function sftpStore(settings: RemoteSettings): Store<Sftp> {
  const connections = new Map<string, Promise<Connection>>();

  const connection = (location: Sftp): Promise<Connection> => {
    const key = `${location.user}@${location.host}:${location.port}`;
    let open = connections.get(key);
    if (!open) {
      open = connect(settings, location);
      connections.set(key, open);
      // A failed or broken connection is forgotten: the next operation connects again.
      const forget = (): void => {
        if (connections.get(key) === open) connections.delete(key);
      };
      open.then(({ client }) => client.once('close', forget), forget);
    }
    return open;
  };

  /** Runs one SFTP request, turning its failure into our codes. */
  const request = async <T>(location: Sftp, run: (sftp: SFTPWrapper, done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> => {
    const { sftp, client } = await connection(location);
    return new Promise<T>((resolve, reject) => {
      const onClose = (): void => reject(unreachable(location, 'the connection closed'));
      client.once('close', onClose);
      run(sftp, (error, value) => {
        client.removeListener('close', onClose);
        if (error) reject(translate(location, error));
        else resolve(value as T);
      });
    });
  };

  const info = (location: Sftp, stats: Stats): FileInfo => ({ location, name: posix.basename(location.path), size: stats.size, mtimeMs: stats.mtime * 1000 });

  return {
    async stat(location) {
      try {
        const stats = await request<Stats>(location, (sftp, done) => sftp.stat(location.path, done));
        return stats.isFile() ? info(location, stats) : undefined;
      } catch (error) {
        if ((error as UserError).code === ErrorCodes.FILE_NOT_FOUND) return undefined;
        throw error;
      }
    },
    async read(location) {
      // Opened first, so a missing file is FILE_NOT_FOUND here rather than an error mid-stream.
      const handle = await request<Buffer>(location, (sftp, done) => sftp.open(location.path, 'r', done));
      const { sftp, client } = await connection(location);
      const stream = sftp.createReadStream(location.path, { handle, autoClose: true });
      // A connection that breaks mid-file ends the stream with an error naming the URL.
      const onClose = (): void => {
        stream.destroy(unreachable(location, 'the connection broke mid-file'));
      };
      client.once('close', onClose);
      stream.once('close', () => client.removeListener('close', onClose));
      stream.on('error', () => undefined);
      return stream as unknown as Readable;
    },
    async write(location, body) {
      const { sftp } = await connection(location);
      await mkdirs(request, { ...location, path: posix.dirname(location.path) });
      const partial = `${location.path}.part`;
      try {
        await pipeline(body, sftp.createWriteStream(partial, { mode: 0o600 }));
      } catch (error) {
        throw translate(location, error as Error);
      }
      // posix-rename replaces an existing file (OpenSSH's extension); plain rename would refuse. A
      // server without the extension gets the old file removed first, then a plain rename.
      await request(location, (s, done) => s.ext_openssh_rename(partial, location.path, done)).catch(async (error: Error) => {
        if (!/support/i.test(error.message)) throw error;
        await this.remove(location);
        await request(location, (s, done) => s.rename(partial, location.path, done));
      });
    },
    async list(folder) {
      let entries: FileEntryWithStats[];
      try {
        entries = await request<FileEntryWithStats[]>(folder, (sftp, done) => sftp.readdir(folder.path, done));
      } catch (error) {
        if ((error as UserError).code === ErrorCodes.FILE_NOT_FOUND) return [];
        throw error;
      }
      return entries
        .filter((entry) => entry.attrs.isFile())
        .map((entry) => info({ ...folder, path: posix.join(folder.path, entry.filename) }, entry.attrs));
    },
    async move(from, to) {
      await mkdirs(request, { ...to, path: posix.dirname(to.path) });
      try {
        // A plain SFTP rename refuses to replace a file: two workers cannot both claim one.
        await request(from, (sftp, done) => sftp.rename(from.path, to.path, done));
        return true;
      } catch (error) {
        if ((error as UserError).code === ErrorCodes.FILE_NOT_FOUND) return false;
        throw error;
      }
    },
    async remove(location) {
      await request(location, (sftp, done) => sftp.unlink(location.path, done)).catch((error: unknown) => {
        if ((error as UserError).code !== ErrorCodes.FILE_NOT_FOUND) throw error;
      });
    },
    async close() {
      const open = [...connections.values()];
      connections.clear();
      await Promise.allSettled(open.map(async (pending) => {
        const { client } = await pending;
        await new Promise<void>((resolve) => {
          client.once('close', () => resolve());
          client.end();
        });
      }));
    },
  };
}

type Request = <T>(location: Sftp, run: (sftp: SFTPWrapper, done: (error: Error | null | undefined, value?: T) => void) => void) => Promise<T>;

/** Creates the folder and its parents (an existing one is fine). */
async function mkdirs(request: Request, folder: Sftp): Promise<void> {
  const parts = folder.path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i += 1) {
    const path = `/${parts.slice(0, i).join('/')}`;
    await request({ ...folder, path }, (sftp, done) => sftp.mkdir(path, (error) => done(error && !/exist|failure/i.test(error.message) ? error : undefined))).catch(() => undefined);
  }
}

function translate(location: Sftp, error: Error & { code?: unknown }): Error {
  if (error instanceof UserError || (error as { code?: unknown }).code === ErrorCodes.SOURCE_UNREACHABLE) return error;
  if (error.code === NO_SUCH_FILE) return new UserError(ErrorCodes.FILE_NOT_FOUND, `${formatLocation(location)}: no such file on the server`, { cause: error });
  if (error.code === PERMISSION_DENIED) return new UserError(ErrorCodes.SOURCE_REFUSED, `${formatLocation(location)}: permission denied on the server`, { cause: error });
  return unreachable(location, typeof error.code === 'string' ? error.code : error.message, error);
}

/**
 * The key parses, decrypted with RELSYNC_SFTP_KEY_PASSPHRASE when it has a passphrase; otherwise one
 * line naming RELSYNC_SFTP_KEY_FILE and what is wrong. ssh2's own words are not passed on: the line
 * never holds the passphrase, nor any of the key.
 */
function usableKey(privateKey: Buffer, keyFile: string, passphrase: string | undefined): void {
  // ssh2 is CommonJS: `utils` is not one of the names Node finds for an ESM import.
  const parsed = ssh2.utils.parseKey(privateKey, passphrase);
  if (!(parsed instanceof Error)) return;
  const encrypted = /passphrase/i.test(parsed.message);
  if (encrypted && passphrase === undefined) {
    throw new UserError(ErrorCodes.CONFIG_INVALID, `RELSYNC_SFTP_KEY_FILE: '${keyFile}' is encrypted with a passphrase: set RELSYNC_SFTP_KEY_PASSPHRASE`);
  }
  if (encrypted) throw new UserError(ErrorCodes.CONFIG_INVALID, `RELSYNC_SFTP_KEY_FILE: '${keyFile}' does not open with RELSYNC_SFTP_KEY_PASSPHRASE: a wrong passphrase`);
  throw new UserError(ErrorCodes.CONFIG_INVALID, `RELSYNC_SFTP_KEY_FILE: '${keyFile}' is not a private key relsync can use (an OpenSSH or PEM key)`);
}

async function connect(settings: RemoteSettings, location: Sftp): Promise<Connection> {
  const where = formatLocation(location);
  const { keyFile, knownHosts } = settings.sftp;
  if (!keyFile) throw new UserError(ErrorCodes.CONFIG_INVALID, `RELSYNC_SFTP_KEY_FILE: expected the path of the private key for ${where}, got nothing`);
  const privateKey = await readFile(keyFile).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(ErrorCodes.CONFIG_INVALID, `RELSYNC_SFTP_KEY_FILE: cannot read the key file '${keyFile}' (${error.code ?? error.message})`);
  });
  const passphrase = settings.sftp.keyPassphrase;
  usableKey(privateKey, keyFile, passphrase);
  const known = knownHosts ? await readFile(knownHosts, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UserError(ErrorCodes.CONFIG_INVALID, `RELSYNC_SFTP_KNOWN_HOSTS: cannot read '${knownHosts}' (${error.code ?? error.message})`);
  }) : '';
  const { keys, revoked } = knownKeysFor(known, location.host, location.port);
  const hostName = knownHostName(location.host, location.port);
  const addIt = `ssh-keyscan${location.port === 22 ? '' : ` -p ${location.port}`} ${location.host} >> ${knownHosts ?? 'known_hosts'}`;
  let hostRefusal: string | undefined;
  const client = new Client();
  return new Promise<Connection>((resolve, reject) => {
    const fail = (error: Error): void => {
      client.end();
      reject(error);
    };
    client.once('error', (error: Error & { level?: string; code?: string }) => {
      if (hostRefusal) return fail(new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: ${hostRefusal}`, { cause: error }));
      if (error.level === 'client-authentication') {
        return fail(new UserError(ErrorCodes.SOURCE_REFUSED, `${where}: the server refused the key in RELSYNC_SFTP_KEY_FILE (${keyFile}) for user ${location.user}`, { cause: error }));
      }
      if (/privatekey|private key|parse/i.test(error.message)) {
        return fail(new UserError(ErrorCodes.CONFIG_INVALID, `RELSYNC_SFTP_KEY_FILE: '${keyFile}' is not a private key relsync can use (an OpenSSH or PEM key)`, { cause: error }));
      }
      fail(unreachable(location, error.code ?? (error.level === 'client-timeout' ? 'timed out' : error.message), error));
    });
    client.once('ready', () => {
      client.sftp((error, sftp) => (error ? fail(unreachable(location, `no SFTP subsystem: ${error.message}`, error)) : resolve({ client, sftp })));
    });
    // Errors after the connection is up arrive through the requests (and the 'close' they watch).
    client.on('error', () => undefined);
    try {
      client.connect({
        host: location.host,
        port: location.port,
        username: location.user,
        privateKey,
        passphrase,
        readyTimeout: settings.timeoutMs,
        keepaliveInterval: Math.max(1_000, Math.floor(settings.timeoutMs / 3)),
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          if (revoked.some((blob) => blob.equals(key))) {
            hostRefusal = `the host key of ${hostName} is revoked in RELSYNC_SFTP_KNOWN_HOSTS`;
            return false;
          }
          if (keys.some((blob) => blob.equals(key))) return true;
          hostRefusal = keys.length > 0
            ? `the host key of ${hostName} does not match RELSYNC_SFTP_KNOWN_HOSTS (${knownHosts}): the server changed its key, or is not the one you added`
            : knownHosts
              ? `unknown host ${hostName}: its key is not in RELSYNC_SFTP_KNOWN_HOSTS (${knownHosts}); add it with: ${addIt}`
              : `unknown host ${hostName}: RELSYNC_SFTP_KNOWN_HOSTS is not set; add the host's key with: ${addIt} and set RELSYNC_SFTP_KNOWN_HOSTS to that file`;
          return false;
        },
      });
    } catch (error) {
      fail(new UserError(ErrorCodes.CONFIG_INVALID, `RELSYNC_SFTP_KEY_FILE: '${keyFile}' is not a private key relsync can use (${(error as Error).message})`, { cause: error }));
    }
  });
}
