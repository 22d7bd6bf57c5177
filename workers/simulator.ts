/** `relsync simulator [--port N] …`: the local Zoho CRM stand-in, until SIGINT/SIGTERM. */
import { onShutdownSignals } from '../src/app/lifecycle.js';
import type { CliIO } from '../src/cli/cli-io.js';
import { ExitCode } from '../src/cli/cli-io.js';
import { UserError } from '../src/errors.js';
import { parseSimulatorArgs, startSimulator } from '../src/simulator/index.js';

export async function runSimulatorCommand(io: CliIO, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(SIMULATOR_HELP);
    return ExitCode.ok;
  }
  let options;
  try {
    options = parseSimulatorArgs(argv);
  } catch (error) {
    throw new UserError('CONFIG_INVALID', `simulator: ${(error as Error).message}`);
  }
  const simulator = await startSimulator({ port: 8080, ...options });
  io.stderr.write(`Zoho CRM simulator listening on ${simulator.url}\n`
    + `  accounts: ${simulator.url}/oauth/v2/token (refresh token: ${simulator.options.refreshToken})\n`
    + `  API:      ${simulator.url}/crm/v8/…   data set: ${simulator.url}/__sim/dataset\n`);
  await new Promise<void>((resolve) => onShutdownSignals(async () => {
    await simulator.close();
    resolve();
  }));
  return ExitCode.ok;
}

const SIMULATOR_HELP = `Usage: relsync simulator [flags]

  --port N                 listen port (default 8080; 0 = any free port)
  --host H                 listen address (default 127.0.0.1)
  --latency-ms N           answer latency, ms (default 150) and --jitter-ms N (default 50)
  --concurrency N          Zoho's concurrency cap, calls in flight (default 10)
  --credits N              credits per rolling window (default 50000)
  --token-ttl-s N          access token lifetime, seconds (default 3600)
  --refresh-token T        the refresh token it accepts (default simulator-refresh-token)
  --mixed-status 207|200   status of a call with some entries failed (default 207)
  --all-failed-status 400|200
  --fail-rate P            share of calls answered 500/502/503 before applying (0-1)
  --lost-response-rate P   share of calls applied, then answered 502 or reset (0-1)
  --reset-rate P           share of calls whose connection is reset before applying (0-1)
  --dataset FILE           load the data set from a JSON file; --seed N for the generated one
  --records-per-module N   generated records of each module beyond Contacts and Deals (default 300)
  --delink-not-linked 'relation not found'|'relation removed'
                           answer to a DELETE of a record that is not linked (default relation not found)
  --role-in-list number|string
                           Contact_Role in a GET of related records (default number, as Zoho's sample)
  --per-page-over-max error|cap
                           a GET with per_page over 200 (default error)
  --numeric-strings reject|accept
                           list_price sent as a numeric string (default reject)
`;
