/**
 * A real small disk: a tmpfs of a few hundred KiB mounted on a folder (root only, as in CI), so that
 * a full disk is a real ENOSPC from the kernel, not a stubbed error.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const canMount = process.getuid?.() === 0;

export interface SmallDisk {
  path: string;
  /** Write a file that takes all the space left (the kernel answers ENOSPC at the end). */
  fill(): Promise<void>;
  /** Remove the filler: the disk has room again. */
  free(): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountSmallDisk(path: string, sizeBytes = 256 * 1024): Promise<SmallDisk> {
  await mkdir(path, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', path]);
  const filler = `${path}/.filler`;
  return {
    path,
    async fill() {
      await writeFile(filler, Buffer.alloc(sizeBytes * 2)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOSPC') throw error;
      });
    },
    free: () => rm(filler, { force: true }),
    async unmount() {
      await run('umount', ['-l', path]).catch(() => undefined);
    },
  };
}
