/** Redis, the ledger and the queues for one CLI command; closed when the command ends. */
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { Lifecycle } from '../app/lifecycle.js';
import { openQueues, type Queues } from '../app/queues.js';
import { connectRedis, createRedis } from '../ledger/redis-connection.js';
import { RunLedger } from '../ledger/run-ledger.js';

export interface CliRuntime {
  redis: Redis;
  ledger: RunLedger;
  queues: Queues;
  close(): Promise<void>;
}

/**
 * `persistent`: keep retrying through a Redis restart (for `import --wait`, which may run for hours);
 * otherwise fail fast with one line naming REDIS_URL.
 */
export async function openCliRuntime(config: Config, options: { persistent: boolean }): Promise<CliRuntime> {
  const lifecycle = new Lifecycle();
  const redis = await connectRedis(createRedis(config.redisUrl, options), config.redisUrl);
  lifecycle.add('redis', () => redis.quit());
  const queues = openQueues(redis, config.prefix, lifecycle);
  return {
    redis,
    ledger: new RunLedger(redis, config.prefix),
    queues,
    close: async () => {
      await lifecycle.closeAll(5_000);
    },
  };
}
