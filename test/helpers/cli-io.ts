/** A CliIO whose stdout and stderr are kept in memory, for running CLI commands in-process. */
import { Writable } from 'node:stream';
import type { CliIO } from '../../src/cli/cli-io.js';

export interface CapturedIO extends CliIO {
  out(): string;
  err(): string;
}

export function captureIO(cwd: string, isTTY = false): CapturedIO {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void) => new Writable({ write: (chunk: Buffer, _encoding, done) => (append(chunk.toString()), done()) });
  return {
    stdout: sink((t) => (out += t)),
    stderr: sink((t) => (err += t)),
    cwd,
    isTTY,
    out: () => out,
    err: () => err,
  };
}
