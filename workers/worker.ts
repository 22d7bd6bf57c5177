/**
 * `relsync worker`: every processor (imports and scheduled imports, Zoho sync, the watched folder)
 * until SIGINT/SIGTERM; then in-flight calls finish within RELSYNC_SHUTDOWN_TIMEOUT_MS, the rest is
 * handed back to the queue (another worker, or this one restarted, picks it up), and the process exits
 * — at the deadline at the latest, even when Redis is gone and nothing can be handed back.
 */
import type { Logger } from 'pino';
import type { Config } from '../src/config/config.js';
import { onShutdownSignals } from '../src/app/lifecycle.js';
import { startWorkerRuntime } from '../src/app/worker-runtime.js';
import { startWatchFolder } from '../src/triggers/watch-folder.js';
import { startRemoteWatchFolder } from '../src/triggers/remote-watch-folder.js';

export async function runWorker(config: Config, log: Logger): Promise<number> {
  const runtime = await startWorkerRuntime(config, log);
  if (config.watchDir) {
    try {
      const deps = { config, ledger: runtime.ledger, queues: runtime.queues, log };
      // An sftp:// or s3:// WATCH_DIR is polled through the storage layer; a local one is watched.
      const watch = /^(sftp|s3):\/\//i.test(config.watchDir) ? await startRemoteWatchFolder(deps) : await startWatchFolder(deps);
      runtime.lifecycle.add('watch folder', () => watch.close()); // added last, so closed first
      log.info({ watchDir: config.watchDir, profile: config.watchProfile }, 'watching folder');
    } catch (error) {
      await runtime.close();
      throw error;
    }
  }
  const stopped = await new Promise<boolean>((resolve) => {
    onShutdownSignals(async (signal) => {
      log.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down: finishing in-flight calls');
      resolve(await runtime.close());
    });
  });
  log.info({ clean: stopped }, 'worker stopped');
  log.flush();
  // The deadline passed: what still holds the event loop (a Redis that is gone and its reconnect
  // timers, a call that hangs) must not keep the process alive. Jobs it held are recovered by the
  // other workers once their locks lapse. pino flushes its last lines on exit.
  if (!stopped) process.exit(0);
  return 0;
}
