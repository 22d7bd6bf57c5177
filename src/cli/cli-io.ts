/** What a command may touch of the process: its streams, cwd and whether stderr is a terminal. */
import type { Writable } from 'node:stream';

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  /** stderr is a terminal: live progress bar instead of periodic lines. */
  isTTY: boolean;
}

/**
 * Exit codes (docs/contract.md#exit-codes): 0 all rows success/skipped; 2 finished with rows in error;
 * 1 could not run.
 */
export const ExitCode = { ok: 0, couldNotRun: 1, rowsInError: 2 } as const;

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), isTTY: Boolean(process.stderr.isTTY) };
}
