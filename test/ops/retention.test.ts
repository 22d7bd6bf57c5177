/**
 * Retention: with the clock moved past RELSYNC_RETENTION_DAYS, no Redis key of a finished import is
 * left (ledger, outcomes, BullMQ jobs, undelivered webhook events), its input snapshot is gone, its
 * report files stay, and `relsync status` says it has expired — not that it never existed. Running
 * imports are never removed. Redis itself expires the records when no worker sweeps.
 */
import { access } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPrune } from '../../src/cli/commands/prune-command.js';
import { RunLedger } from '../../src/ledger/run-ledger.js';
import { rowOffsetsPath } from '../../src/csv/row-offsets.js';
import { reportPaths } from '../../src/report/report-writer.js';
import { snapshotPath } from '../../src/usecases/input-snapshot.js';
import { captureIO } from '../helpers/cli-io.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';
import { useRedis } from '../helpers/redis.js';
import { startRelsync } from '../helpers/relsync-process.js';
import { startWebhookReceiver, type WebhookReceiverServer } from '../helpers/webhook-receiver.js';

const DAY_MS = 86_400_000;
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Every key under the harness's prefix whose name holds the import id. */
async function keysOf(redis: Redis, prefix: string, importId: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*${importId}*`, 'COUNT', 1_000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

describe('retention', () => {
  const redisClients = useRedis();
  let h: Harness;
  let receiver: WebhookReceiverServer;
  let redis: Redis;
  beforeEach(async () => {
    // A receiver that is down: the import's end event stays queued, to be removed with the import.
    receiver = await startWebhookReceiver(Array.from({ length: 100 }, () => 500));
    h = await startHarness({ env: { RELSYNC_WEBHOOK_URL: `${receiver.url}/hook` } });
    redis = redisClients.client();
  });
  afterEach(async () => {
    await h.close();
    await receiver.close();
  });

  async function finishedImport(): Promise<string> {
    const file = await writePairs(h.sim, h.dir, 3, 2);
    const record = await h.waitDone(await h.importFile(file.path));
    expect(record.state).toBe('done');
    await eventually('the end event to wait for its receiver', async () => (await h.runtime.queues.webhooks.getJobCounts('delayed')).delayed === 1);
    return record.id;
  }

  async function status(importId: string): Promise<{ code: number | string; stdout: string; stderr: string }> {
    const run = startRelsync(['status', importId], { ...h.env, LOG_LEVEL: 'warn' }, h.dir);
    return { code: await run.exited, stdout: run.stdout(), stderr: run.stderr() };
  }

  it('with the clock moved past RELSYNC_RETENTION_DAYS, leaves no key of a finished import and its snapshot, keeps its report, and status says it expired', async () => {
    const id = await finishedImport();
    const record = (await h.runtime.ledger.getImport(id))!;
    const prefix = h.config.prefix;
    expect(await keysOf(redis, prefix, id)).toEqual(expect.arrayContaining([
      `${prefix}:ledger:import:${id}`, `${prefix}:ledger:import:${id}:outcomes`, `${prefix}:imports:${id}`,
    ]));
    expect((await keysOf(redis, prefix, id)).some((key) => key.startsWith(`${prefix}:webhooks:${id}.end.`))).toBe(true);
    // Redis drops the ledger records by itself 30 days (the default) after the end.
    for (const key of [`${prefix}:ledger:import:${id}`, `${prefix}:ledger:import:${id}:outcomes`]) {
      expect(await redis.pexpiretime(key)).toBe(record.finishedAt! + 30 * DAY_MS);
    }
    expect(await exists(snapshotPath(h.config.reportDir, id))).toBe(true);
    // Ingest recorded the rows' byte ranges beside it, for the report to copy rows from.
    expect(await exists(rowOffsetsPath(snapshotPath(h.config.reportDir, id)))).toBe(true);

    // Not yet: the import ended less than 30 days ago.
    const io = captureIO(h.dir);
    expect(await runPrune(io, h.config, { now: () => Date.now() + 29 * DAY_MS })).toBe(0);
    expect(io.out()).toBe('');
    expect(await keysOf(redis, prefix, id)).not.toEqual([]);

    const later = captureIO(h.dir);
    expect(await runPrune(later, h.config, { now: () => record.finishedAt! + 30 * DAY_MS + 1 })).toBe(0);
    expect(later.out()).toBe(`${id}\n`);
    expect(later.err()).toBe('removed the Redis records of 1 import(s) that ended more than 30 day(s) ago; their report files are kept\n');
    expect(await keysOf(redis, prefix, id)).toEqual([]);
    expect(await exists(snapshotPath(h.config.reportDir, id))).toBe(false);
    expect(await exists(rowOffsetsPath(snapshotPath(h.config.reportDir, id)))).toBe(false);
    for (const path of [record.reportPath!, reportPaths(record.reportPath!).errors, reportPaths(record.reportPath!).summary]) expect(await exists(path)).toBe(true);

    expect(await status(id)).toEqual({
      code: 1, stdout: '',
      stderr: `relsync: ${id}: expired: its records were removed from Redis after RELSYNC_RETENTION_DAYS (or by 'relsync prune'); its report files are kept\n`,
    });
    expect(await status('imp-20200101-000000-000000')).toMatchObject({ code: 1, stderr: "relsync: imp-20200101-000000-000000: no such import (see 'relsync list')\n" });
  });

  it('relsync prune --older-than 0 removes every finished import now and never a running one, however old', async () => {
    const id = await finishedImport();
    // An import created 90 days ago that is still syncing (waiting for credits, say).
    const old = new RunLedger(redis, h.config.prefix, () => Date.now() - 90 * DAY_MS);
    await old.createImport({ id: 'imp-old-running', origin: 'cli', source: '/nowhere.csv', sourceName: 'old.csv', profileName: 'contacts-deals', profileJson: '{}' });
    await old.setState('imp-old-running', 'syncing');

    const run = startRelsync(['prune', '--older-than', '0'], { ...h.env, LOG_LEVEL: 'warn' }, h.dir);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toBe(`${id}\n`);
    expect(await keysOf(redis, h.config.prefix, id)).toEqual([]);
    expect(await h.runtime.ledger.getImport('imp-old-running')).toMatchObject({ state: 'syncing' });
    expect((await status(id)).stderr).toContain(`${id}: expired:`);
  });

  it('waits for a webhook delivery in flight, then removes it: it never comes back to retry for an import that is gone', async () => {
    const id = await finishedImport();
    // The next try of the end event reaches a receiver that hangs: the delivery is active, held by the worker.
    receiver.hold();
    await eventually('the end event to be tried again', async () => receiver.held() === 1, { timeoutMs: 15_000 });
    expect((await h.runtime.queues.webhooks.getJobCounts('active')).active).toBe(1);

    const io = captureIO(h.dir);
    const finishedAt = (await h.runtime.ledger.getImport(id))!.finishedAt!;
    const pruning = runPrune(io, h.config, { now: () => finishedAt + 30 * DAY_MS + 1 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The receiver answers 500: the delivery fails and is let go; prune then removes it.
    receiver.release();
    expect(await pruning).toBe(0);
    expect(io.out()).toBe(`${id}\n`);
    expect(await keysOf(redis, h.config.prefix, id)).toEqual([]);
    // Nothing left to try again, however long we wait for the next try.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(receiver.received).toHaveLength(2);
    expect(await keysOf(redis, h.config.prefix, id)).toEqual([]);
  });

  it('says expired once Redis dropped the records by itself, and the sweep removes what Redis could not', async () => {
    const id = await finishedImport();
    const prefix = h.config.prefix;
    // What Redis does at the expiry set when the import ended, with no relsync process running: the
    // ledger's keys (the record, the outcomes' texts, buckets and rare hash) all carry that expiry.
    const ledgerKeys = (await keysOf(redis, prefix, id)).filter((key) => key.startsWith(`${prefix}:ledger:import:${id}`) && !key.endsWith(':guard'));
    expect(ledgerKeys).toEqual(expect.arrayContaining([`${prefix}:ledger:import:${id}`, `${prefix}:ledger:import:${id}:outcomes`, `${prefix}:ledger:import:${id}:outcomes:0`]));
    await redis.del(...ledgerKeys);
    expect((await status(id)).stderr).toContain(`${id}: expired:`);
    expect(await keysOf(redis, prefix, id)).not.toEqual([]);

    // The hourly sweep, 30 days on.
    const io = captureIO(h.dir);
    await runPrune(io, h.config, { now: () => Date.now() + 30 * DAY_MS + 60_000 });
    expect(io.out()).toBe(`${id}\n`);
    expect(await keysOf(redis, prefix, id)).toEqual([]);
    expect(await exists(snapshotPath(h.config.reportDir, id))).toBe(false);
  });
});
