/**
 * One way to reach a file wherever it is — the local disk, an SFTP server, an S3 bucket, an HTTPS URL
 * (read only) — used by import sources, schedules, the watched folder and shared report storage.
 * Every operation streams: nothing here holds a whole file in memory.
 *
 * Errors say what happened in one line naming the location (never a credential): a missing file is
 * FILE_NOT_FOUND, a refusal (wrong key, unknown host key, access denied) SOURCE_REFUSED, a store that
 * cannot be reached or a connection that broke SOURCE_UNREACHABLE, which is retryable: `withRemoteRetries`
 * starts the whole file again, since ingest is idempotent and a half-read file is never used.
 */
import type { RemoteSettings } from '../config/config.js';
import { ErrorCodes, RelsyncError, UserError } from '../errors.js';
import { formatLocation, type Location } from './location.js';
import { isUnreachable, type Store } from './store.js';
import { localStore } from './local-store.js';

export type Storage = Store<Location>;

/**
 * The store for a kind of location. A remote kind's module (the AWS SDK, ssh2, undici) is loaded on
 * first use: a command that reads local files only (most imports) never pays for loading them.
 */
async function storeOf(kind: Location['kind'], settings: RemoteSettings): Promise<Store<never>> {
  switch (kind) {
    case 'local':
      return localStore() as Store<never>;
    case 'sftp':
      return (await import('./sftp-store.js')).sftpStore(settings) as Store<never>;
    case 's3':
      return (await import('./s3-store.js')).s3Store(settings) as Store<never>;
    case 'https':
      return (await import('./https-store.js')).httpsStore(settings) as Store<never>;
  }
}

/** One storage for every kind of location; connections open on first use and close with `close()`. */
export function openStorage(settings: RemoteSettings): Storage {
  const stores = new Map<Location['kind'], Promise<Store<never>>>();
  const storeFor = async <L extends Location>(location: L): Promise<Store<L>> => {
    let store = stores.get(location.kind);
    if (!store) {
      store = storeOf(location.kind, settings);
      stores.set(location.kind, store);
      // A store that could not be made (bad settings) is not kept: the next use tries again, as before.
      store.catch(() => stores.delete(location.kind));
    }
    return (await store) as unknown as Store<L>;
  };
  const same = (from: Location, to: Location): void => {
    if (from.kind !== to.kind) throw new RelsyncError(ErrorCodes.INVALID_OPTION, `cannot move ${formatLocation(from)} to ${formatLocation(to)}: another store`);
  };
  return {
    stat: async (location) => (await storeFor(location)).stat(location),
    read: async (location) => (await storeFor(location)).read(location),
    write: async (location, body) => (await storeFor(location)).write(location, body),
    list: async (folder) => (await storeFor(folder)).list(folder),
    move: async (from, to) => (same(from, to), (await storeFor(from)).move(from, to)),
    remove: async (location) => (await storeFor(location)).remove(location),
    close: async () => {
      await Promise.allSettled([...stores.values()].map(async (store) => (await store).close()));
      stores.clear();
    },
  };
}

/**
 * Runs `attempt` until it succeeds, or fails for a reason other than an unreachable store, or
 * `settings.attempts` tries have failed: then one line naming the location and the tries. Each try
 * starts from scratch (the whole file again); waits `retryMs`, doubled each time.
 */
export async function withRemoteRetries<T>(settings: Pick<RemoteSettings, 'attempts' | 'retryMs'>, location: Location, attempt: (n: number) => Promise<T>, onRetry?: (error: Error, n: number) => void): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      if (n >= settings.attempts) {
        throw new UserError(ErrorCodes.SOURCE_UNREACHABLE, `${(error as Error).message}; gave up after ${n} ${n === 1 ? 'try' : 'tries'} (RELSYNC_REMOTE_ATTEMPTS)`, { cause: error });
      }
      onRetry?.(error as Error, n);
      await new Promise((resolve) => setTimeout(resolve, settings.retryMs * 2 ** (n - 1)));
    }
  }
}

export { isUnreachable, unreachable, type FileInfo, type Store } from './store.js';
