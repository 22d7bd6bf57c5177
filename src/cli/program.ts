/**
 * The command line (commander). Commands that run processes (worker, simulator, demo) are handed in
 * by the entry point in workers/, the only place with a main(); the rest live in src/cli/commands.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { IMPORT_MODES, type ImportMode } from '../../jobs/import.job.js';

export interface CommandHandlers {
  worker(): Promise<number>;
  import(file: string, options: { profile: string; wait?: boolean; report?: string; dryRun?: boolean; json?: boolean; force?: boolean; timeout?: number; mode?: ImportMode; allowRemovals?: boolean; incremental?: boolean; full?: boolean }): Promise<number>;
  wait(id: string, options: { json?: boolean; timeout?: number }): Promise<number>;
  status(id: string, options: { json?: boolean }): Promise<number>;
  list(options: { json?: boolean; limit?: number }): Promise<number>;
  report(id: string, options: { out?: string }): Promise<number>;
  retry(id: string, options: { wait?: boolean; json?: boolean; timeout?: number }): Promise<number>;
  undo(id: string, options: { wait?: boolean; json?: boolean; timeout?: number }): Promise<number>;
  cancel(id: string): Promise<number>;
  simulator(argv: string[]): Promise<number>;
  demo(options: { rows?: number }): Promise<number>;
  dashboard(options: { host?: string; port?: number; allowActions?: boolean }): Promise<number>;
  check(options: { profile: string; file?: string }): Promise<number>;
  profiles(options: { json?: boolean }): Promise<number>;
  prune(options: { olderThan?: number }): Promise<number>;
  state: {
    show(options: { profile?: string; json?: boolean }): Promise<number>;
    clear(options: { profile?: string }): Promise<number>;
  };
  schedule: {
    add(options: { name: string; cron: string; tz?: string; file: string; profile: string; force?: boolean; incremental?: boolean }): Promise<number>;
    list(options: { json?: boolean }): Promise<number>;
    remove(name: string): Promise<number>;
  };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

function nonNegativeDays(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number of days, 0 or more, got '${value}'`);
  return n;
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || !(n > 0)) throw new InvalidArgumentError(`expected a number of seconds > 0, got '${value}'`);
  return n;
}

const timeoutOption = (): Option => new Option('--timeout <seconds>', 'stop waiting after this long: exit 1, the import goes on').argParser(positiveSeconds);

/** Builds the program; `setExitCode` receives each command's exit code; `version` is printed by --version. */
export function buildProgram(handlers: CommandHandlers, setExitCode: (code: number) => void, version = 'unknown'): Command {
  const program = new Command('relsync')
    .description('Sync CSV files of external-ID pairs into Zoho CRM related lists')
    .version(version, '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const run = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => async (...args: A) => setExitCode(await fn(...args));

  program.command('worker').description('run every processor until SIGINT/SIGTERM (ingest, sync, report, schedules, WATCH_DIR)')
    .action(run(() => handlers.worker()));
  program.command('import').description('register an import of one CSV and print its id')
    .argument('<file>', 'the CSV file')
    .option('-p, --profile <name or path>', 'built-in profile name or profile JSON file', 'contacts-deals')
    .option('-w, --wait', 'show progress on stderr and return when every row has an outcome')
    .option('-r, --report <path>', 'where to write the report (default: REPORT_DIR/<id>.report.csv)')
    .option('--dry-run', 'parse, validate, group and plan without calling Zoho; write a report of invalid rows')
    .option('--json', 'progress as JSON lines on stderr')
    .option('--force', 'a new import even if the same content and profile were imported within RELSYNC_DEDUP_WINDOW_S')
    .addOption(new Option('--mode <mode>', "link adds or updates the pairs; unlink removes them; mirror makes each base record in the file have exactly the file's links (default: the profile's, else link)").choices(IMPORT_MODES))
    .option('--allow-removals', 'let a mirror remove more than RELSYNC_MIRROR_MAX_REMOVE_RATIO of the current links')
    .addOption(new Option('--incremental', 'send only pairs new or changed since Zoho last confirmed them (the rest: skipped, UNCHANGED)').conflicts('full'))
    .addOption(new Option('--full', "send every pair and refresh the incremental state (over the profile's \"incremental\": true)"))
    .addOption(timeoutOption())
    .action(run((file: string, options) => handlers.import(file, options)));
  program.command('wait').description('follow an import to its end as import --wait does (re-attach after Ctrl-C)').argument('<id>')
    .option('--json', 'progress as JSON lines on stderr')
    .addOption(timeoutOption())
    .action(run((id: string, options) => handlers.wait(id, options)));
  program.command('status').description('state and counts of one import; exits as import --wait would have: 1 failed, 2 rows in error, stopped early or report missing, else 0').argument('<id>')
    .option('--json', 'machine-readable output').action(run((id: string, options) => handlers.status(id, options)));
  program.command('list').description('recent imports, newest first')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-n, --limit <n>', 'how many').argParser(positiveInt))
    .action(run((options) => handlers.list(options)));
  program.command('report').description('write the report of an import from its stored outcomes').argument('<id>')
    .option('-o, --out <path>', 'where to write it (default: the import\'s report path)')
    .action(run((id: string, options) => handlers.report(id, options)));
  program.command('retry').description('start a new import of only the rows of <id> that ended in error').argument('<id>')
    .option('-w, --wait', 'wait and show progress').option('--json', 'progress as JSON lines')
    .addOption(timeoutOption())
    .action(run((id: string, options) => handlers.retry(id, options)));
  program.command('undo').description('start a new import that removes exactly the links <id> added (relation added), not those that already existed').argument('<id>')
    .option('-w, --wait', 'wait and show progress').option('--json', 'progress as JSON lines')
    .addOption(timeoutOption())
    .action(run((id: string, options) => handlers.undo(id, options)));
  program.command('cancel').description('stop an import: nothing more is sent, rows not sent end skipped (CANCELLED), the report is written').argument('<id>')
    .action(run((id: string) => handlers.cancel(id)));
  program.command('simulator').description('the local Zoho CRM stand-in (see --help of the simulator for its flags)')
    .allowUnknownOption().helpOption(false).argument('[flags...]')
    .action(run((flags: string[]) => handlers.simulator(flags)));
  program.command('demo').description('the whole pipeline on this machine against the simulator')
    .addOption(new Option('--rows <n>', 'rows in the sample CSV').argParser(positiveInt))
    .action(run((options) => handlers.demo(options)));
  program.command('dashboard').description('Bull Board for the imports, sync and webhooks queues until SIGINT/SIGTERM (read-only, 127.0.0.1 by default)')
    .option('--host <address>', 'interface to listen on; off loopback, RELSYNC_DASHBOARD_TOKEN is required and asked of every request', '127.0.0.1')
    .addOption(new Option('--port <n>', 'TCP port').argParser(positiveInt).default(3030))
    .option('--allow-actions', 'allow retry, clean, pause, empty … from the board')
    .action(run((options) => handlers.dashboard(options)));
  program.command('check').description("verify credentials, data centre and a profile against Zoho's metadata")
    .option('-p, --profile <name or path>', 'built-in profile name or profile JSON file', 'contacts-deals')
    .option('-f, --file <csv>', "also check that every name in the file's lookup columns (and every price) is valid")
    .action(run((options) => handlers.check(options)));
  program.command('profiles').description('the built-in profiles and their columns')
    .option('--json', 'each profile whole, as JSON')
    .action(run((options) => handlers.profiles(options)));
  program.command('prune').description("remove finished imports' Redis records now (report files are kept)")
    .addOption(new Option('--older-than <days>', 'only imports that ended at least this many days ago (default: RELSYNC_RETENTION_DAYS; 0: all finished)').argParser(nonNegativeDays))
    .action(run((options) => handlers.prune(options)));
  const state = program.command('state').description('the incremental sync state: the pairs Zoho confirmed, per target');
  state.command('show').description('pairs held, Redis memory and oldest confirmation, per target')
    .option('-p, --profile <name or path>', "only the profile's target (its module, related list and external fields in this org)")
    .option('--json', 'machine-readable output')
    .action(run((options) => handlers.state.show(options)));
  state.command('clear').description('forget the state: the next incremental import sends every pair')
    .option('-p, --profile <name or path>', "only the profile's target")
    .action(run((options) => handlers.state.clear(options)));
  const schedule = program.command('schedule').description('cron imports (survive restarts; one import per tick across all workers)');
  schedule.command('add').description('add a schedule, or replace the one with that name')
    .requiredOption('--name <name>', "letters, digits, '_' or '-'")
    .requiredOption('--cron <pattern>', "5 fields, or 6 with seconds, e.g. '0 2 * * *'")
    .option('--tz <zone>', 'IANA time zone of the pattern, e.g. Europe/Paris')
    .requiredOption('--file <path or pattern>', 'the CSV, or a pattern with * ? in its file name: the newest match at fire time')
    .requiredOption('-p, --profile <name or path>', 'built-in profile name or profile JSON file')
    .option('--force', 'import even if the same content was imported within RELSYNC_DEDUP_WINDOW_S')
    .option('--incremental', 'each run sends only pairs new or changed since Zoho last confirmed them')
    .action(run((options) => handlers.schedule.add(options)));
  schedule.command('list').description('the schedules and their next run').option('--json', 'machine-readable output')
    .action(run((options) => handlers.schedule.list(options)));
  schedule.command('remove').description('remove a schedule').argument('<name>')
    .action(run((name: string) => handlers.schedule.remove(name)));
  return program;
}
