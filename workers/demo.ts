/**
 * `relsync demo`: the whole pipeline on this machine. Provides Redis, starts the simulator and a
 * worker in this process, writes a sample CSV from the simulator's data (with a few rows wrong on
 * purpose), imports it with live progress, prints the summary and the report's path, and stops
 * everything it started.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Lifecycle } from '../src/app/lifecycle.js';
import { registrationFor } from '../src/app/queues.js';
import { startWorkerRuntime } from '../src/app/worker-runtime.js';
import { ExitCode, type CliIO } from '../src/cli/cli-io.js';
import { followImport } from '../src/cli/follow-import.js';
import { loadConfig } from '../src/config/config.js';
import { providePrivateRedis } from '../src/dev/redis-provider.js';
import { sampleRows, SAMPLE_HEADER } from '../src/dev/sample-csv.js';
import { createLogger } from '../src/logger.js';
import { formatCsvRow } from '../src/report/csv-format.js';
import { reportPaths } from '../src/report/report-writer.js';
import { startSimulator } from '../src/simulator/index.js';
import { registerImport } from '../src/usecases/register-import.js';

export interface DemoOptions { rows?: number }

export async function runDemo(io: CliIO, options: DemoOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const lifecycle = new Lifecycle();
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  try {
    const redisUrl = env.REDIS_URL ?? (await startRedis(env, lifecycle, say));
    const simulator = await startSimulator({ seed: 42, contacts: 400, deals: 1200, latencyMs: 150, jitterMs: 50 });
    lifecycle.add('simulator', () => simulator.close());
    say(`Zoho CRM simulator on ${simulator.url} (about 150 ms a call, concurrency cap 10, like a Standard org)`);
    const dir = resolve(io.cwd, 'relsync-demo');
    await mkdir(dir, { recursive: true });
    const config = loadConfig({
      REDIS_URL: redisUrl, RELSYNC_PREFIX: `relsync-demo-${randomBytes(3).toString('hex')}`,
      ZOHO_ACCOUNTS_URL: simulator.url, ZOHO_CLIENT_ID: 'demo-client', ZOHO_CLIENT_SECRET: 'demo-secret',
      ZOHO_REFRESH_TOKEN: simulator.options.refreshToken, ZOHO_CONCURRENCY: '10', REPORT_DIR: dir, LOG_LEVEL: 'warn',
    }, { cwd: dir });
    const runtime = await startWorkerRuntime(config, createLogger({ level: 'warn', fd: 2 }));
    lifecycle.add('worker', () => runtime.close());

    const csvPath = join(dir, 'sample-contacts-deals.csv');
    const rows = sampleRows(simulator.dataset, options.rows ?? 2_000);
    await writeFile(csvPath, [formatCsvRow([...SAMPLE_HEADER]), ...rows.map((r) => formatCsvRow([r.contact, r.deal, r.role, r.note]))].join('\n') + '\n');
    say(`sample CSV: ${csvPath} (${rows.length} rows, 6 of them wrong on purpose)`);

    const { importId, reportPath } = await registerImport(
      registrationFor(config, runtime),
      { file: csvPath, profile: 'contacts-deals', origin: 'cli', cwd: dir },
    );
    say(`import ${importId} registered; syncing…`);
    const followed = await followImport(io, runtime.ledger, importId, { lineEveryMs: 2_000, pollMs: 250 });
    if (!followed.ended || followed.record.state !== 'done') return ExitCode.couldNotRun;
    const { record } = followed;
    const { errors } = reportPaths(reportPath);
    say(`errors only: ${errors}`);
    say(`associations now in the simulator: ${simulator.associations().length}; Zoho calls: ${record.calls}; most calls in flight at once: ${simulator.counters.maxInFlight} (cap 10)`);
    say('\nthe rows in error:');
    io.stderr.write(await readFile(errors, 'utf8'));
    return ExitCode.ok;
  } finally {
    await lifecycle.closeAll(30_000);
  }
}

async function startRedis(env: NodeJS.ProcessEnv, lifecycle: Lifecycle, say: (line: string) => void): Promise<string> {
  const redis = await providePrivateRedis(env, say);
  lifecycle.add('redis-server', () => redis.destroy());
  say(`private redis-server on ${redis.url} (set REDIS_URL to use your own)`);
  return redis.url;
}
