/**
 * A `relsync worker` process for the sync benchmark: the real worker runtime (startWorkerRuntime, as
 * workers/ wires it), configured from the environment the parent passes (ZOHO_CONCURRENCY = the cap).
 * Says 'ready' once its workers run; on 'stop' closes gracefully and reports the CPU it used.
 */
import { resourceUsage } from 'node:process';
import { pino } from 'pino';
import { startWorkerRuntime } from '../src/app/worker-runtime.js';
import { loadConfig } from '../src/config/config.js';

export interface SyncWorkerStopped {
  type: 'stopped';
  cpuMs: number;
  maxRssMb: number;
}

const config = loadConfig(process.env);
const runtime = await startWorkerRuntime(config, pino({ level: 'silent' }));
const cpuBefore = process.cpuUsage();
process.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  const cpu = process.cpuUsage(cpuBefore);
  const stopped: SyncWorkerStopped = { type: 'stopped', cpuMs: Math.round((cpu.user + cpu.system) / 1000), maxRssMb: Math.round(resourceUsage().maxRSS / 1024) };
  void runtime.close().then(
    () => process.send?.(stopped, () => process.exit(0)),
    () => process.exit(1),
  );
});
process.send?.('ready');
