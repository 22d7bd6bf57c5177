/** What the Redis server spent, read from INFO: its CPU time and the memory its data takes. */
import type { Redis } from 'ioredis';

export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return Math.round((seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000);
}

export async function redisUsedMemoryMb(redis: Redis): Promise<number> {
  return Math.round(((await redisUsedBytes(redis)) / 1024 / 1024) * 10) / 10;
}

/** INFO used_memory, or with `peak` used_memory_peak (the most it held since it started). */
export async function redisUsedBytes(redis: Redis, peak = false): Promise<number> {
  const info = await redis.info('memory');
  return Number((peak ? /used_memory_peak:(\d+)/ : /used_memory:(\d+)/).exec(info)?.[1] ?? 0);
}

/** MEMORY USAGE (every element counted) summed over the keys matching `pattern`. */
export async function keysBytes(redis: Redis, pattern: string): Promise<{ keys: number; bytes: number }> {
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    for (const key of batch) {
      keys += 1;
      bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    }
  } while (cursor !== '0');
  return { keys, bytes };
}

export async function redisVersion(redis: Redis): Promise<string> {
  const info = await redis.info('server');
  return /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
}

/** Commands Redis has run so far, by name (`INFO commandstats`): with a before and an after, what a run cost it. */
export async function redisCommandCounts(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const counts: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}
