/** The local disk as a store: the same operations as the remote ones, over node:fs. */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCodes, UserError } from '../errors.js';
import type { Location } from './location.js';
import type { FileInfo, Store } from './store.js';

type Local = Extract<Location, { kind: 'local' }>;

export function localStore(): Store<Local> {
  return {
    async stat(location) {
      const info = await stat(location.path).catch(() => undefined);
      if (!info?.isFile()) return undefined;
      return { location, name: location.path.split('/').pop() ?? '', size: info.size, mtimeMs: info.mtimeMs };
    },
    async read(location) {
      const stream = createReadStream(location.path);
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new UserError(ErrorCodes.FILE_NOT_FOUND, `${location.path}: file not found`, { cause: error }) : error));
      });
      return stream;
    },
    async write(location, body: Readable) {
      await mkdir(dirname(location.path), { recursive: true });
      const partial = `${location.path}.part`;
      try {
        await pipeline(body, createWriteStream(partial, { mode: 0o600 }));
        await rename(partial, location.path);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    },
    async list(folder) {
      const names = await readdir(folder.path).catch(() => [] as string[]);
      const files: FileInfo[] = [];
      for (const name of names) {
        const location: Local = { kind: 'local', path: join(folder.path, name) };
        const info = await this.stat(location);
        if (info) files.push(info);
      }
      return files;
    },
    async move(from, to) {
      await mkdir(dirname(to.path), { recursive: true });
      try {
        await rename(from.path, to.path);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },
    async remove(location) {
      await rm(location.path, { force: true });
    },
    async close() {},
  };
}
