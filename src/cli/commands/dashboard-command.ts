/** `relsync dashboard [--port N] [--host 127.0.0.1] [--allow-actions]`: Bull Board until SIGINT/SIGTERM. */
import { onShutdownSignals } from '../../app/lifecycle.js';
import type { Config } from '../../config/config.js';
import { checkDashboardOptions, startDashboard, type DashboardOptions } from '../../dashboard/dashboard-server.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime } from '../cli-runtime.js';

export type DashboardCommandOptions = DashboardOptions;

export interface DashboardRunHooks {
  /** Resolves when the dashboard should stop. Default: the first SIGINT/SIGTERM. Tests pass their own. */
  untilStopped?: Promise<unknown>;
}

/**
 * Opens the queues on a persistent Redis connection (the board keeps polling through a Redis restart
 * instead of dying), serves the board, prints its URL on stdout, and closes everything on the signal.
 */
export async function runDashboard(io: CliIO, config: Config, options: DashboardCommandOptions, hooks: DashboardRunHooks = {}): Promise<number> {
  // Handlers go in first, so that a Ctrl-C during start-up is not the default hard kill: the board then
  // stops as soon as it has started, closing what it opened. A second Ctrl-C exits at once.
  checkDashboardOptions(config, options); // before connecting: a missing token is said first
  const signal = hooks.untilStopped ? undefined : shutdownSignal();
  try {
    return await withCliRuntime(config, { persistent: true }, async (runtime) => {
      const dashboard = await startDashboard({ config, queues: runtime.queues }, options);
      try {
        io.stdout.write(`${dashboard.url}\n`);
        io.stderr.write(`dashboard of the imports and sync queues (prefix ${config.prefix}), ${options.allowActions ? 'actions ALLOWED' : 'read-only'}; Ctrl-C to stop\n`);
        await (hooks.untilStopped ?? signal?.received);
      } finally {
        await dashboard.close();
      }
      return ExitCode.ok;
    });
  } finally {
    signal?.remove();
  }
}

function shutdownSignal(): { received: Promise<NodeJS.Signals>; remove: () => void } {
  let remove: () => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    remove = onShutdownSignals(async (name) => resolve(name));
  });
  return { received, remove };
}
