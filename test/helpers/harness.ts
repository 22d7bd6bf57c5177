/**
 * Integration harness: a real Redis (the run's private redis-server, a fresh key prefix per test), the
 * simulator over real HTTP on loopback, and the real worker runtime wired as `relsync worker` wires it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { inject } from 'vitest';
import { pino } from 'pino';
import { registrationFor } from '../../src/app/queues.js';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/app/worker-runtime.js';
import { waitForImport } from '../../src/cli/progress.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { ImportRecord } from '../../src/ledger/run-ledger.js';
import { formatCsvRow } from '../../src/report/csv-format.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { registerImport } from '../../src/usecases/register-import.js';

export interface Harness {
  sim: RunningSimulator;
  config: Config;
  env: Record<string, string>;
  dir: string;
  runtime: WorkerRuntime;
  writeCsv(name: string, rows: string[][]): Promise<string>;
  importFile(file: string, profile?: string): Promise<string>;
  waitDone(importId: string): Promise<ImportRecord>;
  readReport(path: string): Promise<Array<Record<string, string>>>;
  close(): Promise<void>;
}

export function harnessEnv(sim: RunningSimulator, dir: string, redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    RELSYNC_PREFIX: `t-${randomBytes(4).toString('hex')}`,
    ZOHO_ACCOUNTS_URL: sim.url,
    ZOHO_CLIENT_ID: 'test-client',
    ZOHO_CLIENT_SECRET: 'test-client-secret-value',
    ZOHO_REFRESH_TOKEN: sim.options.refreshToken,
    REPORT_DIR: join(dir, 'reports'),
    IMPORT_ROOT: dir,
    LOG_LEVEL: 'silent',
    // Tests import the same file again on purpose; the dedup tests turn the window back on.
    RELSYNC_DEDUP_WINDOW_S: '0',
    ...extra,
  };
}

export async function startHarness(options: { sim?: Partial<SimulatorOptions>; env?: Record<string, string>; redisUrl?: string } = {}): Promise<Harness> {
  const sim = await startSimulator({ latencyMs: 0, jitterMs: 0, ...options.sim });
  const dir = await mkdtemp(join(tmpdir(), 'relsync-it-'));
  const env = harnessEnv(sim, dir, options.redisUrl ?? inject('redisUrl'), options.env);
  const config = loadConfig(env, { cwd: dir });
  const runtime = await startWorkerRuntime(config, pino({ level: 'silent' }));
  return {
    sim, config, env, dir, runtime,
    async writeCsv(name, rows) {
      const path = join(dir, name);
      await writeFile(path, rows.map((cells) => formatCsvRow(cells)).join('\n') + '\n');
      return path;
    },
    async importFile(file, profile = 'contacts-deals') {
      const { importId } = await registerImport(
        registrationFor(config, runtime),
        { file, profile, origin: 'cli', cwd: dir },
      );
      return importId;
    },
    waitDone: (importId) => waitForImport(runtime.ledger, importId, { pollMs: 50 }),
    async readReport(path) {
      return parse(await readFile(path, 'utf8'), { columns: true, relax_column_count: false }) as Array<Record<string, string>>;
    },
    async close() {
      await runtime.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
