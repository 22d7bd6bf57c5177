/** withCliRuntime on a real Redis: the command gets an open runtime, which is closed however it ends. */
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it, vi } from 'vitest';
import { withCliRuntime, type CliRuntime } from '../../src/cli/cli-runtime.js';
import { loadConfig } from '../../src/config/config.js';
import { UserError } from '../../src/errors.js';

const config = () => loadConfig({ REDIS_URL: inject('redisUrl'), RELSYNC_PREFIX: `t-${randomBytes(4).toString('hex')}` });

describe('withCliRuntime', () => {
  it('returns what the command returns and closes the runtime after it', async () => {
    let seen: CliRuntime | undefined;
    const result = await withCliRuntime(config(), { persistent: false }, async (runtime) => {
      seen = runtime;
      expect(await runtime.redis.ping()).toBe('PONG');
      return 2;
    });
    expect(result).toBe(2);
    await vi.waitFor(() => expect(seen!.redis.status).toBe('end'), { timeout: 2_000 }); // quit is answered before the socket closes
  });

  it('passes a failed command\'s error on unchanged, after closing the runtime', async () => {
    let seen: CliRuntime | undefined;
    const error = new UserError('CONFIG_INVALID', 'schedule x: no such schedule');
    await expect(withCliRuntime(config(), { persistent: true }, async (runtime) => {
      seen = runtime;
      throw error;
    })).rejects.toBe(error);
    await vi.waitFor(() => expect(seen!.redis.status).toBe('end'), { timeout: 2_000 }); // quit is answered before the socket closes
  });

  it('runs nothing when Redis cannot be reached, and says so naming REDIS_URL', async () => {
    let ran = false;
    const unreachable = loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' });
    await expect(withCliRuntime(unreachable, { persistent: false }, async () => (ran = true))).rejects.toMatchObject({ code: 'REDIS_UNREACHABLE' });
    expect(ran).toBe(false);
  });
});
