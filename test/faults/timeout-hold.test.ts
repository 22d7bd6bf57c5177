/**
 * The timeout hold (sync.processor.ts): a call that timed out may still be running at Zoho, so its job
 * keeps its concurrency slot for RELSYNC_TIMEOUT_HOLD_MS before anything else is sent. The sync
 * processor runs in a real BullMQ worker on a real Redis, its Zoho client talks real HTTP to a local
 * server that models Zoho going on with a call after the client gave up on it. The oracle is that
 * server: how many calls it was working on at once.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { packSyncCalls, syncCallsJobId, syncCallsJobOptions, type SyncCallsJobData } from '../../jobs/sync-calls.job.js';
import { loadConfig } from '../../src/config/config.js';
import { RunLedger } from '../../src/ledger/run-ledger.js';
import { BUILTIN_PROFILES } from '../../src/profile/profile.js';
import { createSyncProcessor, zohoBackoffStrategy, type SyncJobData } from '../../src/processors/sync.processor.js';
import { MemoryTokenProvider } from '../../src/zoho/oauth-client.js';
import { ZohoClient } from '../../src/zoho/zoho-client.js';
import { eventually } from '../helpers/eventually.js';
import { testPrefix } from '../helpers/redis.js';
import { useTempDir } from '../helpers/temp-dir.js';

/**
 * How long "Zoho" works on the first call: long after the client's 200 ms timeout, which undici's
 * coarse timers fire within a second or two.
 */
const FIRST_CALL_WORK_MS = 3_000;
const CLIENT_TIMEOUT_MS = 200;

/**
 * Zoho going on with a call whatever the client does: each call is "being worked on" for its full
 * time, counted from its arrival to the end of that time, answered only if the client still listens.
 * The first call takes FIRST_CALL_WORK_MS (the client times out first); the others 20 ms.
 */
async function startPatientZoho(): Promise<{ url: string; arrivals: number; working: number; maxWorking: number; close(): Promise<void> }> {
  const state = { url: '', arrivals: 0, working: 0, maxWorking: 0, close: async () => undefined as void };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const workMs = state.arrivals === 0 ? FIRST_CALL_WORK_MS : 20;
      state.arrivals += 1;
      state.working += 1;
      state.maxWorking = Math.max(state.maxWorking, state.working);
      setTimeout(() => {
        state.working -= 1;
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' });
        res.end(JSON.stringify({ data: [{ code: 'SUCCESS', details: { id: '111111000000094028' }, message: 'relation added', status: 'success' }] }));
      }, workMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

describe('the timeout hold', () => {
  const tmp = useTempDir('relsync-hold-');
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('keeps the slot of a call that timed out for RELSYNC_TIMEOUT_HOLD_MS: the next call is not sent while Zoho may still be working on it', async () => {
    const zoho = await startPatientZoho();
    closers.push(() => zoho.close());
    const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    closers.push(() => redis.quit());
    const prefix = testPrefix();
    // One call in flight at a time; the hold outlasts Zoho's work on the timed-out call.
    const config = loadConfig({ REPORT_DIR: tmp.path, ZOHO_CONCURRENCY: '1', RELSYNC_TIMEOUT_HOLD_MS: String(FIRST_CALL_WORK_MS + 1_000) });
    const ledger = new RunLedger(redis, prefix);
    const importId = 'imp-hold';
    await ledger.createImport({ id: importId, origin: 'cli', source: '/nowhere.csv', sourceName: 'in.csv', profileName: 'contacts-deals', profileJson: JSON.stringify(BUILTIN_PROFILES['contacts-deals']) });
    const tokens = new MemoryTokenProvider({ mint: async () => ({ accessToken: 'tok', apiDomain: zoho.url, expiresAtMs: Date.now() + 3_600_000 }) });
    const client = new ZohoClient({ tokens, apiDomain: zoho.url, connections: 2, headersTimeoutMs: CLIENT_TIMEOUT_MS });
    closers.push(() => client.close());
    const queue = new Queue<SyncCallsJobData>('sync', { connection: redis, prefix });
    closers.push(() => queue.close());
    await queue.setGlobalConcurrency(1);
    const worker = new Worker<SyncJobData>('sync', createSyncProcessor({ config, ledger, client, syncQueue: queue, log: pino({ level: 'silent' }) }), {
      connection: redis, prefix, concurrency: 1, settings: { backoffStrategy: zohoBackoffStrategy },
    });
    closers.push(() => worker.close());

    // Two jobs of one call each: the first call times out; the second job would take the freed slot at once.
    await queue.addBulk([0, 1].map((seq) => ({
      name: 'sync-calls',
      data: packSyncCalls({ importId, seq, calls: [{ base: `C-${seq}`, entries: [{ row: seq + 1, related: `D-${seq}` }] }] }),
      opts: { ...syncCallsJobOptions(8, 1), jobId: syncCallsJobId(importId, seq) },
    })));
    await eventually('both rows to have their outcome', async () => (await ledger.countOutcomes(importId)) === 2, { timeoutMs: 20_000 });

    const record = await ledger.requireImport(importId);
    expect(record).toMatchObject({ success: 2, error: 0, retries: 1 });
    // The timed-out call, the other job's call, the timed-out call again.
    expect(zoho.arrivals).toBe(3);
    expect(zoho.maxWorking).toBe(1);
  });
});
