/**
 * `relsync wait <id> [--timeout <seconds>] [--json]`: follow an import as `import --wait` does — to
 * re-attach after Ctrl-C, or from another shell. The exit code is the import's (0, 2, 1), or 1 when it
 * stopped waiting (--timeout, no worker), or 130 after Ctrl-C; the import goes on in both.
 */
import type { Config } from '../../config/config.js';
import type { CliIO } from '../cli-io.js';
import { withCliRuntime, type CliRuntime } from '../cli-runtime.js';
import { exitCodeOfFollow, followImport } from '../follow-import.js';

export interface WaitOptions {
  json?: boolean;
  /** Stop waiting after this many seconds (exit 1, the import goes on). */
  timeout?: number;
}

export async function runWait(io: CliIO, config: Config, importId: string, options: WaitOptions): Promise<number> {
  return withCliRuntime(config, { persistent: true }, async (runtime) => {
    await runtime.ledger.requireImport(importId);
    return followToExit(io, config, runtime, importId, options);
  });
}

/** Follow an import with the worker check and `--timeout`, and map how it ended to the exit code. */
export async function followToExit(io: CliIO, config: Config, runtime: CliRuntime, importId: string, options: WaitOptions): Promise<number> {
  const result = await followImport(io, runtime.ledger, importId, {
    json: options.json,
    timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000,
    workers: { count: () => runtime.queues.imports.getWorkersCount(), prefix: config.prefix },
  });
  return exitCodeOfFollow(result);
}
