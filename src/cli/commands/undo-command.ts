/** `relsync undo <id> [--wait]`: a new import that removes exactly the links <id> added. */
import type { Config } from '../../config/config.js';
import { registrationFor } from '../../app/queues.js';
import { undoImport } from '../../usecases/undo-import.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime } from '../cli-runtime.js';
import { followToExit } from './wait-command.js';

export async function runUndo(io: CliIO, config: Config, importId: string, options: { wait?: boolean; json?: boolean; timeout?: number }): Promise<number> {
  return withCliRuntime(config, { persistent: Boolean(options.wait) }, async (runtime) => {
    const undo = await undoImport(registrationFor(config, runtime), importId, io.cwd);
    io.stdout.write(`${undo.importId}\n`);
    io.stderr.write(`undoing ${importId} as ${undo.importId}: removing the ${undo.added} link(s) it added; the ${undo.kept} pair(s) it found already linked stay\n`);
    if (!options.wait) return ExitCode.ok;
    return followToExit(io, config, runtime, undo.importId, { json: options.json, timeout: options.timeout });
  });
}
