/**
 * How much Redis one import holds, measured with MEMORY USAGE (SAMPLES 0: every field counted) over
 * every key whose name holds the import id, and with INFO's used_memory before and after (which also
 * sees shared keys: wait lists, the recent list, the events streams):
 *   1. queued: recorded, its `import` job waiting, no worker running;
 *   2. planned: ingest done, its sync jobs queued (the sync queue held paused);
 *   3. ended: done, report written (what retention keeps for RELSYNC_RETENTION_DAYS).
 * `node --import tsx bench/redis-per-import.ts [rows…]` (default 1000 10000 100000); a private
 * redis-server and the simulator (no latency), all stopped at the end. Figures: docs/operating.md#redis.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { registrationFor, openQueues } from '../src/app/queues.js';
import { Lifecycle } from '../src/app/lifecycle.js';
import { startWorkerRuntime } from '../src/app/worker-runtime.js';
import { waitForImport } from '../src/cli/progress.js';
import { loadConfig } from '../src/config/config.js';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { RunLedger } from '../src/ledger/run-ledger.js';
import { startSimulator } from '../src/simulator/index.js';
import { registerImport } from '../src/usecases/register-import.js';

const DEALS_PER_CONTACT = 5;

/** The keys naming the import, their MEMORY USAGE, and the largest few by name (the id shown as {id}). */
async function keysOf(redis: Redis, importId: string): Promise<{ keys: number; bytes: number; largest: string }> {
  let cursor = '0';
  const sizes: Array<[string, number]> = [];
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `*${importId}*`, 'COUNT', 1_000);
    cursor = next;
    for (const key of batch) sizes.push([key.replace(importId, '{id}'), Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'))]);
  } while (cursor !== '0');
  const largest = sizes.sort((a, b) => b[1] - a[1]).slice(0, 4).map(([key, bytes]) => `${key} ${(bytes / 1024).toFixed(1)} KiB`).join(', ');
  return { keys: sizes.length, bytes: sizes.reduce((sum, [, bytes]) => sum + bytes, 0), largest };
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}

async function measure(rows: number): Promise<Record<string, string>> {
  const contacts = Math.ceil(rows / DEALS_PER_CONTACT);
  const redisServer = await startPrivateRedis();
  const sim = await startSimulator({ latencyMs: 0, jitterMs: 0, contacts, deals: Math.max(DEALS_PER_CONTACT * 10, 500), credits: 10_000_000 });
  const dir = await mkdtemp(join(tmpdir(), 'relsync-mem-'));
  const redis = new Redis(redisServer.url);
  try {
    const env = {
      REDIS_URL: redisServer.url, RELSYNC_PREFIX: 'mem', ZOHO_ACCOUNTS_URL: sim.url, ZOHO_CLIENT_ID: 'c', ZOHO_CLIENT_SECRET: 's',
      ZOHO_REFRESH_TOKEN: sim.options.refreshToken, REPORT_DIR: join(dir, 'reports'), IMPORT_ROOT: dir, LOG_LEVEL: 'silent', ZOHO_CONCURRENCY: '25',
    };
    const config = loadConfig(env, { cwd: dir });
    const deals = sim.dataset.deals.map((d) => d.External_Deal_ID);
    const lines = ['contact_ext_id,deal_ext_id,contact_role'];
    for (let i = 0; i < rows; i += 1) {
      const contact = sim.dataset.contacts[Math.floor(i / DEALS_PER_CONTACT)]!.External_Contact_ID;
      lines.push(`${contact},${deals[(i * 7) % deals.length]},${sim.dataset.contactRoles[i % 3]!.id}`);
    }
    const file = join(dir, 'pairs.csv');
    await writeFile(file, `${lines.join('\n')}\n`);

    const before = await usedMemory(redis);
    const lifecycle = new Lifecycle();
    const queues = openQueues(redis, config.prefix, lifecycle);
    const ledger = new RunLedger(redis, config.prefix);
    const { importId } = await registerImport(registrationFor(config, { ledger, queues }), { file, profile: 'contacts-deals', origin: 'cli', cwd: dir });
    const queued = await keysOf(redis, importId);
    const queuedUsed = (await usedMemory(redis)) - before;

    await queues.sync.pause();
    const runtime = await startWorkerRuntime(config, pino({ level: 'silent' }));
    const planned = await (async () => {
      for (;;) {
        if ((await ledger.getImport(importId))?.state === 'syncing') return keysOf(redis, importId);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const plannedUsed = (await usedMemory(redis)) - before;
    await queues.sync.resume();
    const record = await waitForImport(ledger, importId, { pollMs: 50 });
    const ended = await keysOf(redis, importId);
    const endedUsed = (await usedMemory(redis)) - before;
    await runtime.close();
    await lifecycle.closeAll(5_000);
    const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
    return {
      rows: String(rows), calls: String(record.plannedCalls), state: record.state,
      queued: `${kb(queued.bytes)} in ${queued.keys} keys (used_memory +${kb(queuedUsed)})`,
      planned: `${kb(planned.bytes)} in ${planned.keys} keys (used_memory +${kb(plannedUsed)})`,
      ended: `${kb(ended.bytes)} in ${ended.keys} keys (used_memory +${kb(endedUsed)}), ${(ended.bytes / rows).toFixed(0)} B/row`,
      queuedKeys: queued.largest, plannedKeys: planned.largest, endedKeys: ended.largest,
    };
  } finally {
    redis.disconnect();
    await sim.close();
    await redisServer.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const rows of sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]) {
  process.stdout.write(`${JSON.stringify(await measure(rows))}\n`);
}
