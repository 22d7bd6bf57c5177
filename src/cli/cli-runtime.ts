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

export interface CliRuntimeOptions {
  /**
   * Keep retrying through a Redis restart (for `import --wait`, which may run for hours, and the
   * dashboard); otherwise fail fast with one line naming REDIS_URL.
   */
  persistent: boolean;
}

/**
 * Opens the runtime, runs `command` with it, and closes it however the command ends. Errors are not
 * caught: a failed open or a failed command reaches workers/relsync.ts, which maps it to one line
 * and exit 1, after the runtime is closed.
 */
export async function withCliRuntime<T>(config: Config, options: CliRuntimeOptions, command: (runtime: CliRuntime) => Promise<T>): Promise<T> {
  const runtime = await openCliRuntime(config, options);
  try {
    return await command(runtime);
  } finally {
    await runtime.close();
  }
}

/** The runtime left open for the caller to close: for tests that hold one across many steps. */
export async function openCliRuntime(config: Config, options: CliRuntimeOptions): Promise<CliRuntime> {
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
