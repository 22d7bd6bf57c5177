import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadConfig, redactUrl, requireZohoCredentials } from '../../../src/config/config.js';

describe('config', () => {
  it('has a default for every variable and returns a frozen object', () => {
    const config = loadConfig({}, { cwd: '/srv/relsync' });
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379', prefix: 'relsync', reportDir: '/srv/relsync/reports', importRoot: '/srv/relsync',
      watchProfile: 'contacts-deals', logLevel: 'info',
      zoho: { dc: 'us', apiVersion: 'v8', concurrency: 10, maxAttempts: 8 },
    });
    expect(config.watchDir).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.zoho)).toBe(true);
  });

  it('reports every problem at once, naming each variable with what was expected and what it got', () => {
    expect(() => loadConfig({ ZOHO_CONCURRENCY: 'ten', ZOHO_DC: 'mars', REDIS_URL: 'http://x', LOG_LEVEL: 'loud', RELSYNC_PREFIX: 'a b' })).toThrowError(
      "invalid configuration: REDIS_URL: expected a redis: or rediss:// URL, got 'http://x'; RELSYNC_PREFIX: expected 1-64 letters, digits, '_', '.' or '-', got 'a b'; ZOHO_DC: expected one of us eu in au jp ca cn sa, got 'mars'; ZOHO_CONCURRENCY: expected an integer 1-25, got 'ten'; LOG_LEVEL: expected one of fatal error warn info debug trace silent, got 'loud'",
    );
    expect(() => loadConfig({ ZOHO_CONCURRENCY: '26' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: "invalid configuration: ZOHO_CONCURRENCY: expected an integer 1-25, got '26'" }),
    );
  });

  it('reads the removal guard: RELSYNC_MIRROR_MAX_REMOVE_RATIO, 0.2 unless set, a share from 0 to 1', () => {
    expect(loadConfig({}).mirrorMaxRemoveRatio).toBe(0.2);
    expect(loadConfig({ RELSYNC_MIRROR_MAX_REMOVE_RATIO: '0.5' }).mirrorMaxRemoveRatio).toBe(0.5);
    expect(loadConfig({ RELSYNC_MIRROR_MAX_REMOVE_RATIO: '0' }).mirrorMaxRemoveRatio).toBe(0);
    expect(() => loadConfig({ RELSYNC_MIRROR_MAX_REMOVE_RATIO: '20%' })).toThrowError(
      "invalid configuration: RELSYNC_MIRROR_MAX_REMOVE_RATIO: expected a number from 0 to 1 (e.g. 0.5), got '20%'",
    );
  });

  it('reads the error-rate brake: off unless RELSYNC_ABORT_ERROR_RATE is set, 500 answered rows before it acts', () => {
    expect(loadConfig({}).abort).toEqual({ errorRate: undefined, minRows: 500 });
    expect(loadConfig({ RELSYNC_ABORT_ERROR_RATE: '0.5', RELSYNC_ABORT_MIN_ROWS: '200' }).abort).toEqual({ errorRate: 0.5, minRows: 200 });
    expect(loadConfig({ RELSYNC_ABORT_ERROR_RATE: '.25' }).abort.errorRate).toBe(0.25);
    expect(() => loadConfig({ RELSYNC_ABORT_ERROR_RATE: '50%', RELSYNC_ABORT_MIN_ROWS: '0' })).toThrowError(
      "invalid configuration: RELSYNC_ABORT_ERROR_RATE: expected a number from 0 to 1 (e.g. 0.5), got '50%'; RELSYNC_ABORT_MIN_ROWS: expected an integer 1-1000000000, got '0'",
    );
    expect(() => loadConfig({ RELSYNC_ABORT_ERROR_RATE: '1.5' })).toThrowError(/RELSYNC_ABORT_ERROR_RATE: expected a number from 0 to 1/);
  });

  it('never prints a Redis password in a message', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://user:s3cret@host:6379' })).toThrowError(/REDIS_URL: expected a redis: or rediss:\/\/ URL, got 'http:\/\/\*\*\*:\*\*\*@host:6379'/);
    expect(redactUrl('redis://:s3cret@host:6379/0')).toBe('redis://:***@host:6379/0');
  });

  it('takes RELSYNC_DASHBOARD_TOKEN only when long enough, never showing it', () => {
    expect(loadConfig({}).dashboardToken).toBeUndefined();
    expect(loadConfig({ RELSYNC_DASHBOARD_TOKEN: 'a-long-enough-token' }).dashboardToken).toBe('a-long-enough-token');
    expect(() => loadConfig({ RELSYNC_DASHBOARD_TOKEN: 'hunter2' })).toThrowError(
      'invalid configuration: RELSYNC_DASHBOARD_TOKEN: expected at least 16 characters (a long random value, e.g. openssl rand -hex 32), got 7',
    );
  });

  it('names every missing Zoho credential', () => {
    expect(() => requireZohoCredentials(loadConfig({ ZOHO_CLIENT_ID: 'x' }))).toThrowError('ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN: expected a value (see .env.example), got nothing');
  });

  it('lists every variable it reads in .env.example', async () => {
    const source = await readFile(new URL('../../../src/config/config.ts', import.meta.url), 'utf8');
    const example = await readFile(new URL('../../../.env.example', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/\(r, '([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]));
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(read.size).toBeGreaterThan(20);
    expect([...read].filter((name) => !listed.has(name))).toEqual([]);
  });
});
