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
import { ExitCode, processIO } from '../src/cli/cli-io.js';
import { buildProgram } from '../src/cli/program.js';

// Each command's module (and what it pulls in: BullMQ, the Zoho client, the AWS SDK, the dashboard's
// Express, the simulator…) is loaded when that command runs, not before: `relsync import --wait` of an
// hourly delta lasts seconds, and loading every command's dependencies took a second of it.
const commands = {
  import: () => import('../src/cli/commands/import-command.js'),
  report: () => import('../src/cli/commands/report-command.js'),
  retry: () => import('../src/cli/commands/retry-command.js'),
  undo: () => import('../src/cli/commands/undo-command.js'),
  cancel: () => import('../src/cli/commands/cancel-command.js'),
  wait: () => import('../src/cli/commands/wait-command.js'),
  status: () => import('../src/cli/commands/status-command.js'),
  worker: () => import('./worker.js'),
  simulator: () => import('./simulator.js'),
  demo: () => import('./demo.js'),
  dashboard: () => import('../src/cli/commands/dashboard-command.js'),
  check: () => import('../src/cli/commands/check-command.js'),
  profiles: () => import('../src/cli/commands/profiles-command.js'),
  prune: () => import('../src/cli/commands/prune-command.js'),
  schedule: () => import('../src/cli/commands/schedule-command.js'),
  state: () => import('../src/cli/commands/state-command.js'),
  logger: () => import('../src/logger.js'),
};

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
    worker: async () => {
      const [{ runWorker }, { createLogger }] = await Promise.all([commands.worker(), commands.logger()]);
      return runWorker(getConfig(), createLogger({ level: getConfig().logLevel, fd: 1 }));
    },
    import: async (file, options) => (await commands.import()).runImport(io, getConfig(), file, options),
    status: async (id, options) => (await commands.status()).runStatus(io, getConfig(), id, options),
    list: async (options) => (await commands.status()).runList(io, getConfig(), options),
    report: async (id, options) => (await commands.report()).runReport(io, getConfig(), id, options),
    retry: async (id, options) => (await commands.retry()).runRetry(io, getConfig(), id, options),
    undo: async (id, options) => (await commands.undo()).runUndo(io, getConfig(), id, options),
    wait: async (id, options) => (await commands.wait()).runWait(io, getConfig(), id, options),
    cancel: async (id) => (await commands.cancel()).runCancel(io, getConfig(), id),
    simulator: async (flags) => (await commands.simulator()).runSimulatorCommand(io, flags),
    demo: async (options) => (await commands.demo()).runDemo(io, options, process.env),
    dashboard: async (options) => (await commands.dashboard()).runDashboard(io, getConfig(), options),
    check: async (options) => (await commands.check()).runCheck(io, getConfig(), options),
    profiles: async (options) => (await commands.profiles()).runProfiles(io, options),
    prune: async (options) => (await commands.prune()).runPrune(io, getConfig(), options),
    state: {
      show: async (options) => (await commands.state()).runStateShow(io, getConfig(), options),
      clear: async (options) => (await commands.state()).runStateClear(io, getConfig(), options),
    },
    schedule: {
      add: async (options) => (await commands.schedule()).runScheduleAdd(io, getConfig(), options),
      list: async (options) => (await commands.schedule()).runScheduleList(io, getConfig(), options),
      remove: async (name) => (await commands.schedule()).runScheduleRemove(io, getConfig(), name),
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
