/** `relsync simulator [--port N] …`: the local Zoho CRM stand-in, until SIGINT/SIGTERM. */
import { onShutdownSignals } from '../src/app/lifecycle.js';
import type { CliIO } from '../src/cli/cli-io.js';
import { ExitCode } from '../src/cli/cli-io.js';
import { UserError } from '../src/errors.js';
import { parseSimulatorArgs, simulatorHelp, startSimulator, type SimulatorOptions } from '../src/simulator/index.js';

/** Where `relsync simulator` differs from the simulator's own defaults (tests use a free port). */
const COMMAND_DEFAULTS: Partial<SimulatorOptions> = { port: 8080 };

export async function runSimulatorCommand(io: CliIO, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(simulatorHelp(COMMAND_DEFAULTS));
    return ExitCode.ok;
  }
  let options;
  try {
    options = parseSimulatorArgs(argv);
  } catch (error) {
    throw new UserError('CONFIG_INVALID', `simulator: ${(error as Error).message}`);
  }
  const simulator = await startSimulator({ ...COMMAND_DEFAULTS, ...options });
  io.stderr.write(`Zoho CRM simulator listening on ${simulator.url}\n`
    + `  accounts: ${simulator.url}/oauth/v2/token (refresh token: ${simulator.options.refreshToken})\n`
    + `  API:      ${simulator.url}/crm/v8/…   data set: ${simulator.url}/__sim/dataset\n`);
  await new Promise<void>((resolve) => onShutdownSignals(async () => {
    await simulator.close();
    resolve();
  }));
  return ExitCode.ok;
}
