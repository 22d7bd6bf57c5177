/** What a command may touch of the process: its streams, cwd and whether stderr is a terminal. */
import type { Writable } from 'node:stream';

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  /** stderr is a terminal: live progress bar instead of periodic lines. */
  isTTY: boolean;
  /**
   * Call `handler` on Ctrl-C (SIGINT) until the returned function is called; set by the entry point
   * (workers/relsync.ts), which alone handles signals. Without it, Ctrl-C does what it always does.
   */
  onInterrupt?: (handler: () => void) => () => void;
}

/**
 * Exit codes (docs/contract.md#exit-codes): 0 all rows success/skipped; 2 finished with rows in error
 * (or stopped early); 1 could not run (or stopped waiting: --timeout, no worker); 130 Ctrl-C of a wait.
 */
export const ExitCode = { ok: 0, couldNotRun: 1, rowsInError: 2, interrupted: 130 } as const;

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), isTTY: Boolean(process.stderr.isTTY) };
}
