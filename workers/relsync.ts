#!/usr/bin/env node
/**
 * The `relsync` binary. Reads the working folder's `.env` (the environment wins), parses the command
 * line, reads the configuration once, runs one command, and maps its outcome to an exit code: a user's
 * mistake is one line on stderr and exit 1, never a stack.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { loadConfig, type Config } from '../src/config/config.js';
import { loadEnvFile } from '../src/config/env-file.js';
import { isUserError, oneLine } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { ExitCode, processIO } from '../src/cli/cli-io.js';
import { buildProgram } from '../src/cli/program.js';
import { runImport } from '../src/cli/commands/import-command.js';
import { runReport } from '../src/cli/commands/report-command.js';
import { runRetry } from '../src/cli/commands/retry-command.js';
import { runUndo } from '../src/cli/commands/undo-command.js';
import { runCancel } from '../src/cli/commands/cancel-command.js';
import { runWait } from '../src/cli/commands/wait-command.js';
import { runList, runStatus } from '../src/cli/commands/status-command.js';
import { runWorker } from './worker.js';
import { runSimulatorCommand } from './simulator.js';
import { runDemo } from './demo.js';
import { runDashboard } from '../src/cli/commands/dashboard-command.js';
import { runCheck } from '../src/cli/commands/check-command.js';
import { runProfiles } from '../src/cli/commands/profiles-command.js';
import { runPrune } from '../src/cli/commands/prune-command.js';
import { runScheduleAdd, runScheduleList, runScheduleRemove } from '../src/cli/commands/schedule-command.js';
import { runStateClear, runStateShow } from '../src/cli/commands/state-command.js';

/**
 * Ctrl-C while a command waits: the command stops waiting (and says how to follow again) instead of
 * dying. The listener stays once added (only disarmed): a Ctrl-C that lands while the command closes
 * its connections must not kill it mid-way (it exits 130 a moment later), whoever else listens.
 */
function onInterrupt(handler: () => void): () => void {
  let armed = true;
  process.on('SIGINT', () => {
    if (armed) handler();
  });
  return () => {
    armed = false;
  };
}

// relsync runs on Node 20 (package.json engines). The AWS SDK prints, on its first S3 call, that its
// releases of 2027 will need Node 22: a note for whoever upgrades our dependencies, not the operator,
// and a second line on stderr where a command promises one. An operator who sets it keeps theirs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(argv: string[]): Promise<number> {
  const io = { ...processIO(), onInterrupt };
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
    undo: (id, options) => runUndo(io, getConfig(), id, options),
    wait: (id, options) => runWait(io, getConfig(), id, options),
    cancel: (id) => runCancel(io, getConfig(), id),
    simulator: (flags) => runSimulatorCommand(io, flags),
    demo: (options) => runDemo(io, options, process.env),
    dashboard: (options) => runDashboard(io, getConfig(), options),
    check: (options) => runCheck(io, getConfig(), options),
    profiles: (options) => runProfiles(io, options),
    prune: (options) => runPrune(io, getConfig(), options),
    state: {
      show: (options) => runStateShow(io, getConfig(), options),
      clear: (options) => runStateClear(io, getConfig(), options),
    },
    schedule: {
      add: (options) => runScheduleAdd(io, getConfig(), options),
      list: (options) => runScheduleList(io, getConfig(), options),
      remove: (name) => runScheduleRemove(io, getConfig(), name),
    },
  }, (code) => (exitCode = code), packageVersion());
  try {
    // Before anything reads the environment; variables already set win over the file's.
    await loadEnvFile(io.cwd);
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

/**
 * The version in our package.json: the first one up from this file, which is workers/ in the sources
 * and dist/workers/ once built (dist has none of its own).
 */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
    if (dirname(dir) === dir) return 'unknown';
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
