/**
 * No secret is ever written anywhere a person or another service can read: real worker processes and
 * CLI commands at LOG_LEVEL=trace, a password-protected Redis, an accounts error (refresh token not yet
 * accepted), an access token expiring mid-run, a failed job and failed commands, a webhook receiver
 * down for a first attempt. Then everything written is searched for the client secret, the refresh
 * token, the Redis password, the webhook URL's token and secret, and every access token the simulator
 * minted: all process output, every file under REPORT_DIR (reports, errors files,
 * summaries, spooled CSV), and the value of every Redis key (job data, return values, failedReason,
 * the ledger, and the shared token cache, which holds the access token sealed, never in clear).
 */
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { IMPORT_JOB_OPTIONS } from '../../jobs/import.job.js';
import { JobName } from '../../jobs/queues.js';
import { eventually } from '../helpers/eventually.js';
import { startProcessHarness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startRelsync, type RelsyncProcess } from '../helpers/relsync-process.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const REDIS_PASSWORD = 'redis-pass-Zq81nY4vT6';
const CLIENT_SECRET = 'client-secret-Kp93hX2mR7';
const REFRESH_TOKEN = 'refresh-token-Wd57tB1cM4';
/** An incoming-webhook URL carries its token in the path, as Slack's do. */
const WEBHOOK_TOKEN = 'hook-token-Jr62sV8pL3';
const WEBHOOK_SECRET = 'webhook-secret-Nx40gF7qA9';
/** Set though no file is on SFTP here: config that is read is never shown (test/remote/sftp-key-passphrase.test.ts reads a key with it). */
const SFTP_PASSPHRASE = 'sftp-passphrase-Hb25dK6wE1';

/** Starts a relsync command at LOG_LEVEL=trace; `output()` is everything it printed so far. */
const startCommand = (args: string[], env: Record<string, string>): RelsyncProcess => startRelsync(args, { ...env, LOG_LEVEL: 'trace' });

/** A relsync command at LOG_LEVEL=trace, run to its end: its exit code and everything it printed. */
async function command(args: string[], env: Record<string, string>): Promise<{ code: number | string; output: string }> {
  const run = startCommand(args, env);
  const code = await run.exited;
  return { code, output: run.output() };
}

/** Every key of the (private) Redis with its value, whatever its type. */
async function dumpRedis(redis: Redis): Promise<Map<string, string>> {
  const dump = new Map<string, string>();
  for await (const keys of redis.scanStream({ count: 500 })) {
    for (const key of keys as string[]) {
      const type = await redis.type(key);
      const value: unknown =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? await redis.hgetall(key)
        : type === 'list' ? await redis.lrange(key, 0, -1)
        : type === 'set' ? await redis.smembers(key)
        : type === 'zset' ? await redis.zrange(key, 0, -1, 'WITHSCORES')
        : type === 'stream' ? await redis.xrange(key, '-', '+')
        : `(${type})`;
      dump.set(key, JSON.stringify(value));
    }
  }
  return dump;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('secrets', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('never appear in logs at trace level, reports, summaries, Redis (job data, results, reasons) or error messages', { timeout: 120_000 }, async () => {
    const redis: TestRedis = await startTestRedis({ password: REDIS_PASSWORD });
    cleanups.push(() => redis.destroy());
    // Down for the first attempt of each event, so a delivery's failure reason is stored in Redis too.
    const receiver = await startWebhookReceiver([500, 200, 500, 200]);
    cleanups.push(() => receiver.close());
    const h = await startProcessHarness({
      // The accounts server accepts our refresh token only later: first an accounts error.
      sim: { latencyMs: 40, refreshToken: 'accepted-later', clientSecret: CLIENT_SECRET },
      env: {
        ZOHO_CLIENT_SECRET: CLIENT_SECRET, ZOHO_REFRESH_TOKEN: REFRESH_TOKEN, RELSYNC_PAUSE_PROBE_MS: '300', ZOHO_CONCURRENCY: '2',
        RELSYNC_WEBHOOK_URL: `${receiver.url}/services/${WEBHOOK_TOKEN}`, RELSYNC_WEBHOOK_SECRET: WEBHOOK_SECRET,
        RELSYNC_SFTP_KEY_PASSPHRASE: SFTP_PASSPHRASE,
      },
      redisUrl: redis.url,
    });
    cleanups.push(() => h.close());
    const { sim, dir, env, runtime: cli } = h;
    expect(env.REDIS_URL).toContain(REDIS_PASSWORD);

    const workers = await h.spawnWorkers(2, { logLevel: 'trace' });

    const pairs = await writePairs(sim, dir, 60, 2); // 60 calls of 40 ms, 2 at a time: over a second of work
    await appendFile(pairs.path, 'C-NOBODY,D-0001,\nC-0001,,\n'); // rows in error, so errors.csv has lines
    const importing = startCommand(['import', pairs.path, '--wait'], env);
    const importId = await eventually('an import id', () => /^(imp-\S+)$/m.exec(importing.output())?.[1]);
    await eventually('the import paused on the accounts error', async () => (await cli.ledger.getImport(importId))?.pausedReason);
    sim.setOptions({ refreshToken: REFRESH_TOKEN }); // the operator fixes it on Zoho's side
    await eventually('calls under way', () => sim.counters.calls > 2, { timeoutMs: 30_000, everyMs: 10 });
    sim.expireTokens(); // an hour passes: the next call answers INVALID_TOKEN and a new token is minted
    const imported = { code: await importing.exited, output: importing.output() };
    expect(imported.output).toMatch(/done: 122 rows: 120 success, 2 error, 0 skipped/);
    expect(imported.code).toBe(2);
    expect(sim.mintedTokens().length).toBeGreaterThanOrEqual(2);

    // A job that fails (its failedReason is in Redis), commands that fail, and commands that read.
    await writeFile(join(dir, 'bad.csv'), 'contact,deal\nC-0001,D-0001\n');
    const failing = await cli.queues.imports.add(JobName.import, { source: { path: 'bad.csv' }, profile: 'contacts-deals' }, IMPORT_JOB_OPTIONS);
    await eventually('the bad job to fail', async () => (await failing.isFailed()) || undefined);
    const outputs = [
      imported.output,
      (await command(['status', importId, '--json'], env)).output,
      (await command(['report', importId, '--out', join(dir, 'reports', 'again.csv')], env)).output,
      (await command(['import', join(dir, 'bad.csv'), '--wait'], env)).output,
      (await command(['status', 'imp-nope'], { ...env, REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:1` })).output,
      (await command(['status', 'imp-nope'], { ...env, REDIS_URL: `http://user:${REDIS_PASSWORD}@127.0.0.1:1` })).output,
    ];
    await eventually('the import.finished event delivered after a failed attempt', () => receiver.delivered().some((e) => e.importId === importId && e.event === 'import.finished'));
    for (const w of workers) w.kill('SIGTERM');
    for (const w of workers) await w.exited;

    const haystacks = new Map<string, string>();
    workers.forEach((w, i) => haystacks.set(`worker ${i + 1} output`, w.output()));
    outputs.forEach((text, i) => haystacks.set(`command ${i + 1} output`, text));
    for (const file of await filesUnder(dir)) haystacks.set(file, await readFile(file, 'latin1'));
    const client = new Redis(redis.url);
    cleanups.push(() => client.quit());
    const dump = await dumpRedis(client);
    for (const [key, value] of dump) haystacks.set(`redis ${key}`, value);

    // The search covered what it must: debug lines (nothing logs below), a failed job's reason, the sealed token cache.
    expect(workers.map((w) => w.output()).join('')).toContain('"level":20');
    expect([...dump.keys()].some((key) => /:oauth:[0-9a-f]{16}:token$/.test(key))).toBe(true);
    expect([...dump.values()].some((value) => value.includes('missing column(s) contact_ext_id'))).toBe(true);
    expect(outputs[4]).toBe('relsync: Redis unreachable at redis://:***@127.0.0.1:1 (REDIS_URL): connect ECONNREFUSED 127.0.0.1:1\n');
    expect(outputs[5]).toMatch(/REDIS_URL: expected a redis: or rediss:\/\/ URL, got .http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:1/);

    expect(workers.map((w) => w.output()).join('')).toContain('webhook delivery failed; will retry with backoff');
    const secrets = new Map<string, string>([
      ['Redis password', REDIS_PASSWORD], ['client secret', CLIENT_SECRET], ['refresh token', REFRESH_TOKEN],
      ['webhook URL token', WEBHOOK_TOKEN], ['webhook secret', WEBHOOK_SECRET], ['SFTP key passphrase', SFTP_PASSPHRASE],
    ]);
    sim.mintedTokens().forEach((token, i) => secrets.set(`access token ${i + 1}`, token));
    const leaks: string[] = [];
    for (const [where, text] of haystacks) {
      for (const [what, secret] of secrets) {
        if (text.includes(secret) || text.includes(encodeURIComponent(secret))) leaks.push(`${what} in ${where}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
