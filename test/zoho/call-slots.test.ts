/**
 * The org-wide cap's slots for calls outside a sync job (zoho/call-slots.ts), on a real Redis with a
 * real BullMQ queue and worker: the queue's active jobs and the slots held never exceed the limit, a
 * waiting call makes the jobs drain instead of being starved, and a slot whose holder died comes back
 * when its lease lapses.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CallSlots } from '../../src/zoho/call-slots.js';
import { eventually } from '../helpers/eventually.js';
import { testPrefix } from '../helpers/redis.js';

describe('call slots', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function setup(max: number, options: Partial<ConstructorParameters<typeof CallSlots>[0]> = {}) {
    const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    closers.push(() => redis.quit());
    const prefix = testPrefix();
    const queue = new Queue('sync', { connection: redis, prefix });
    closers.push(() => queue.close());
    const { meta, active, marker } = queue.keys;
    const slots = (more: Partial<ConstructorParameters<typeof CallSlots>[0]> = {}) => new CallSlots({ redis, prefix, queueKeys: { meta: meta!, active: active!, marker: marker! }, max, ...options, ...more });
    return { redis, prefix, queue, slots };
  }

  it('holds jobs and calls together to the limit: a waiting call lowers the queue\'s concurrency so jobs drain, and its slot goes back to the jobs', async () => {
    const { redis, prefix, queue, slots } = await setup(2);
    const cap = slots();
    await cap.setGlobalConcurrency(2);
    const finish = new Map<string, () => void>();
    const worker = new Worker('sync', (job) => new Promise<void>((resolve) => finish.set(job.id!, resolve)), { connection: redis, prefix, concurrency: 5 });
    closers.push(() => worker.close());
    await queue.addBulk(['a', 'b', 'c'].map((id) => ({ name: 'sync-calls', data: {}, opts: { jobId: id } })));
    await eventually('two jobs active', async () => (await queue.getActiveCount()) === 2 && finish.size === 2);

    // No slot free: the call waits, and the queue takes no job into its place meanwhile.
    let giveBack: (() => Promise<void>) | undefined;
    const taking = cap.take().then((release) => (giveBack = release));
    await eventually('the reservation to lower the cap', async () => (await queue.getGlobalConcurrency()) === 1);
    finish.get('a')!();
    await taking;
    expect(await queue.getActiveCount()).toBe(1);
    expect(await queue.getGlobalConcurrency()).toBe(1);
    expect(await cap.getGlobalConcurrency()).toBe(2);
    expect(finish.has('c')).toBe(false);

    // Given back: the third job runs.
    await giveBack!();
    await eventually('the third job to start', () => finish.has('c'));
    expect(await queue.getGlobalConcurrency()).toBe(2);
    for (const done of finish.values()) done();
  });

  it('the governor\'s limit stays its own, and a slot whose holder died comes back when its lease lapses', async () => {
    let now = 1_000_000;
    const { queue, slots } = await setup(3, { leaseMs: 1_000 });
    // The holder's clock stands still (it died: nothing renews it); the other worker's moves on.
    const dead = slots({ now: () => 1_000_000 });
    const live = slots({ now: () => now });
    await live.setGlobalConcurrency(3);
    await dead.take();
    await dead.take();
    expect(await live.getGlobalConcurrency()).toBe(3);
    // The governor cuts the limit while two slots are held: the queue keeps what is left.
    await live.setGlobalConcurrency(2);
    expect(await queue.getGlobalConcurrency()).toBe(0);
    now += 1_001;
    await live.settle();
    expect(await queue.getGlobalConcurrency()).toBe(2);
  });
});
