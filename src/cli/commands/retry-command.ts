/** `relsync retry <id> [--wait]`: a new import of only the rows of <id> that ended in error. */
import type { Config } from '../../config/config.js';
import { registrationFor } from '../../app/queues.js';
import { retryImport } from '../../usecases/retry-import.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime } from '../cli-runtime.js';
import { followToExit } from './wait-command.js';

export async function runRetry(io: CliIO, config: Config, importId: string, options: { wait?: boolean; json?: boolean; timeout?: number }): Promise<number> {
  return withCliRuntime(config, { persistent: Boolean(options.wait) }, async (runtime) => {
    const retry = await retryImport(registrationFor(config, runtime), importId, io.cwd);
    io.stdout.write(`${retry.importId}\n`);
    io.stderr.write(`retrying ${retry.rows} row(s) of ${importId} as ${retry.importId}\n`);
    if (!options.wait) return ExitCode.ok;
    return followToExit(io, config, runtime, retry.importId, { json: options.json, timeout: options.timeout });
  });
}
