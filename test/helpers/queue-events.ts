/** QueueEvents on a test's queues, for `job.waitUntilFinished`: the caller closes them. */
import { QueueEvents } from 'bullmq';
import { QueueName } from '../../jobs/queues.js';
import type { Config } from '../../src/config/config.js';

/** Events of `queue` (the imports queue unless told), ready before it resolves so no event is missed. */
export async function openQueueEvents(config: Pick<Config, 'redisUrl' | 'prefix'>, queue: QueueName = QueueName.imports): Promise<QueueEvents> {
  const events = new QueueEvents(queue, { connection: { url: config.redisUrl }, prefix: config.prefix });
  await events.waitUntilReady();
  return events;
}
