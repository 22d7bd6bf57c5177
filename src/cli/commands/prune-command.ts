/**
 * `relsync prune [--older-than <days>]`: remove finished imports' Redis records and input copies now
 * (docs/operating.md#retention). Exit 0 also when some were kept for a store that could not be reached:
 * a line says so, and the next prune or the worker's sweep removes them.
 */
import type { Config } from '../../config/config.js';
import { retentionDeps } from '../../app/ops-runtime.js';
import { DAY_MS, pruneImports } from '../../usecases/prune-imports.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime } from '../cli-runtime.js';

/** `olderThanDays` defaults to RELSYNC_RETENTION_DAYS; 0 removes every finished import. Running ones are kept. */
export async function runPrune(io: CliIO, config: Config, options: { olderThan?: number; now?: () => number }): Promise<number> {
  const days = options.olderThan ?? config.retentionDays;
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
    const deps = retentionDeps(config, runtime);
    const { pruned, storageKept } = await pruneImports({ ...deps, now: options.now }, { olderThanMs: days * DAY_MS }).finally(() => deps.close());
    for (const id of pruned) io.stdout.write(`${id}\n`);
    io.stderr.write(`removed the Redis records of ${pruned.length} import(s) that ended more than ${days} day(s) ago; their report files are kept\n`);
    // Kept whole, as an import whose job a worker holds is: records and copy go together at the next prune.
    if (storageKept) io.stderr.write(`kept ${storageKept.imports} import(s) whose input copy in RELSYNC_STORAGE could not be removed (${storageKept.reason}); prune again once it can be reached\n`);
    return ExitCode.ok;
  });
}
