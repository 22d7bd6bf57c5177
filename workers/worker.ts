/**
 * `relsync worker`: every processor (imports, Zoho sync, and later schedules and the watched folder)
 * until SIGINT/SIGTERM; then in-flight calls finish within RELSYNC_SHUTDOWN_TIMEOUT_MS, the rest is
 * handed back to the queue (another worker, or this one restarted, picks it up), and the process exits.
 */
import type { Logger } from 'pino';
import type { Config } from '../src/config/config.js';
import { onShutdownSignals } from '../src/app/lifecycle.js';
import { startWorkerRuntime } from '../src/app/worker-runtime.js';

export async function runWorker(config: Config, log: Logger): Promise<number> {
  const runtime = await startWorkerRuntime(config, log);
  const stopped = await new Promise<boolean>((resolve) => {
    onShutdownSignals(async (signal) => {
      log.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down: finishing in-flight calls');
      resolve(await runtime.close());
    });
  });
  log.info({ clean: stopped }, 'worker stopped');
  log.flush();
  return 0;
}
