#!/usr/bin/env node
/**
 * The `relsync` binary. Parses the command line, reads the configuration once, runs one command, and
 * maps its outcome to an exit code: a user's mistake is one line on stderr and exit 1, never a stack.
 */
import { CommanderError } from 'commander';
import { loadConfig, type Config } from '../src/config/config.js';
import { isUserError, oneLine } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { ExitCode, processIO } from '../src/cli/cli-io.js';
import { buildProgram } from '../src/cli/program.js';
import { runImport } from '../src/cli/commands/import-command.js';
import { runReport } from '../src/cli/commands/report-command.js';
import { runRetry } from '../src/cli/commands/retry-command.js';
import { runList, runStatus } from '../src/cli/commands/status-command.js';
import { runWorker } from './worker.js';
import { runSimulatorCommand } from './simulator.js';
import { runDemo } from './demo.js';
import { runDashboard } from '../src/cli/commands/dashboard-command.js';
import { runCheck } from '../src/cli/commands/check-command.js';
import { runPrune } from '../src/cli/commands/prune-command.js';
import { runScheduleAdd, runScheduleList, runScheduleRemove } from '../src/cli/commands/schedule-command.js';

async function main(argv: string[]): Promise<number> {
  const io = processIO();
  let exitCode: number = ExitCode.ok;
  let config: Config | undefined;
  const getConfig = (): Config => (config ??= loadConfig(process.env));
  const program = buildProgram({
    worker: () => runWorker(getConfig(), createLogger({ level: getConfig().logLevel, fd: 1 })),
    import: (file, options) => runImport(io, getConfig(), file, options),
    status: (id, options) => runStatus(io, getConfig(), id, options),
    list: (options) => runList(io, getConfig(), options),
    report: (id, options) => runReport(io, getConfig(), id, options),
    retry: (id, options) => runRetry(io, getConfig(), id, options),
    simulator: (flags) => runSimulatorCommand(io, flags),
    demo: (options) => runDemo(io, options, process.env),
    dashboard: (options) => runDashboard(io, getConfig(), options),
    check: (options) => runCheck(io, getConfig(), options),
    prune: (options) => runPrune(io, getConfig(), options),
    schedule: {
      add: (options) => runScheduleAdd(io, getConfig(), options),
      list: (options) => runScheduleList(io, getConfig(), options),
      remove: (name) => runScheduleRemove(io, getConfig(), name),
    },
  }, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.couldNotRun;
    if (isUserError(error)) {
      io.stderr.write(`relsync: ${oneLine(error)}\n`);
      return ExitCode.couldNotRun;
    }
    io.stderr.write(`relsync: unexpected error: ${oneLine(error)}\n${config?.logLevel === 'debug' || config?.logLevel === 'trace' ? `${(error as Error).stack}\n` : '(set LOG_LEVEL=debug for the stack trace)\n'}`);
    return ExitCode.couldNotRun;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`relsync: ${oneLine(error)}\n`);
    process.exitCode = ExitCode.couldNotRun;
  },
);
