/** `relsync prune [--older-than <days>]`: remove finished imports' Redis records now (docs/operating.md#retention). */
import type { Config } from '../../config/config.js';
import { retentionDeps } from '../../app/ops-runtime.js';
import { DAY_MS, pruneImports } from '../../usecases/prune-imports.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime } from '../cli-runtime.js';

/** `olderThanDays` defaults to RELSYNC_RETENTION_DAYS; 0 removes every finished import. Running ones are kept. */
export async function runPrune(io: CliIO, config: Config, options: { olderThan?: number; now?: () => number }): Promise<number> {
  const days = options.olderThan ?? config.retentionDays;
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
    const pruned = await pruneImports({ ...retentionDeps(config, runtime), now: options.now }, { olderThanMs: days * DAY_MS });
    for (const id of pruned) io.stdout.write(`${id}\n`);
    io.stderr.write(`removed the Redis records of ${pruned.length} import(s) that ended more than ${days} day(s) ago; their report files are kept\n`);
    return ExitCode.ok;
  });
}
