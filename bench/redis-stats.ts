/** What the Redis server spent, read from INFO: its CPU time and the memory its data takes. */
import type { Redis } from 'ioredis';

export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return Math.round((seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000);
}

export async function redisUsedMemoryMb(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const bytes = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

export async function redisVersion(redis: Redis): Promise<string> {
  const info = await redis.info('server');
  return /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
}
