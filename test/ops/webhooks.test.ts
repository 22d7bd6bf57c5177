/**
 * Webhook events from a real worker runtime to a real local receiver: one `import.finished` per import
 * with the import's counts and a valid signature, delivered after the receiver was down (HTTP 500) for
 * the first two attempts, without holding the import up; `import.failed` with its reason; a pause that
 * lasts is announced once, and its end once.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';
import { sampleSum, scrape } from '../helpers/metrics.js';
import { freePort } from '../helpers/redis-server.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { registrationFor } from '../../src/app/queues.js';
import { startWebhookReceiver, type WebhookReceiverServer } from '../helpers/webhook-receiver.js';

const SECRET = 'webhook-secret-value-1234';
/** The receiver's URL carries a token in its path, as Slack's and most incoming webhooks do. */
const TOKEN_PATH = '/hooks/T0KEN-in-the-path-5678';
const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role'];

describe('webhook events', () => {
  const closeAfter = useCleanup();

  async function start(script: number[], env: Record<string, string> = {}, sim = {}): Promise<{ h: Harness; receiver: WebhookReceiverServer }> {
    const receiver = closeAfter(await startWebhookReceiver(script));
    const h = closeAfter(await startHarness({ env: { RELSYNC_WEBHOOK_URL: `${receiver.url}${TOKEN_PATH}`, RELSYNC_WEBHOOK_SECRET: SECRET, ...env }, sim }));
    return { h, receiver };
  }

  /** Until no webhook job is left to run: every event delivered, or given up on. */
  const drained = (harness: Harness) => eventually('the webhooks queue to drain', async () => {
    const counts = await harness.runtime.queues.webhooks.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  });

  it('sends exactly one import.finished with the counts and a valid signature, after the receiver answered 500 twice, and the import does not wait for it', async () => {
    const { h, receiver } = await start([500, 500]);
    const contacts = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID));
    const deals = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
    const rows = [
      ...contacts.slice(0, 6).map((c, i) => [c.External_Contact_ID, deals[i]!.External_Deal_ID, '']),
      [contacts[0]!.External_Contact_ID, 'D-NOPE', ''],
      ['', deals[0]!.External_Deal_ID, ''],
      [contacts[1]!.External_Contact_ID, deals[1]!.External_Deal_ID, ''],
    ];
    const record = await h.waitDone(await h.importFile(await h.writeCsv('night.csv', [HEADER, ...rows])));
    expect(record).toMatchObject({ state: 'done', rows: 9, success: 6, error: 2, skipped: 1 });
    // The import is done while its event still waits for the receiver (the retries are 1 s and 2 s apart).
    expect(receiver.delivered()).toEqual([]);

    // While it waits, Redis holds neither the receiver's token nor the secret.
    const pending = await eventually('the delivery to wait for its retry', async () => (await h.runtime.queues.webhooks.getJobs(['delayed']))[0]);
    expect(pending.failedReason).toBe(`webhook receiver ${receiver.url}/*** answered HTTP 500`);
    expect(JSON.stringify(pending)).not.toMatch(/T0KEN|webhook-secret/);

    await eventually('the event to be delivered', () => receiver.delivered().length === 1, { timeoutMs: 20_000 });
    await drained(h);
    // The import's last step runs again (a worker died after marking it done): no second event, even
    // though the first delivery's job is gone. (An event would be queued before setState returns.)
    await h.runtime.ledger.setState(record.id, 'reporting');
    await h.runtime.ledger.setState(record.id, 'done', { finishedAt: record.finishedAt });
    await drained(h);
    expect(receiver.received.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(receiver.delivered()).toEqual([{
      event: 'import.finished', importId: record.id, state: 'done', file: 'night.csv', profile: 'contacts-deals', origin: 'cli',
      rows: 9, success: 6, error: 2, skipped: 1, durationMs: expect.any(Number), reportPath: record.reportPath, mode: 'link',
    }]);
    for (const hook of receiver.received) {
      expect(hook.path).toBe(TOKEN_PATH);
      expect(hook.headers['x-relsync-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(hook.body).digest('hex')}`);
      expect(hook.headers['x-relsync-event']).toBe('import.finished');
      expect(hook.headers['x-relsync-delivery']).toBe(receiver.received[0]!.headers['x-relsync-delivery']);
      expect(hook.body).not.toContain(SECRET);
    }
  });

  it('sends import.failed with the reason when an import cannot run, once', async () => {
    const { h, receiver } = await start([], { RELSYNC_MAX_ROWS: '3' });
    const file = await writePairs(h.sim, h.dir, 5, 1);
    const record = await h.waitDone(await h.importFile(file.path));
    expect(record.state).toBe('failed');
    await eventually('the event to be delivered', () => receiver.delivered().length === 1);
    await drained(h);
    expect(receiver.delivered()).toEqual([expect.objectContaining({
      event: 'import.failed', importId: record.id, state: 'failed', reason: record.failedReason, reportPath: null,
    })]);
    expect(record.failedReason).toContain('RELSYNC_MAX_ROWS');
  });

  it('gives the stop reason of an import the error-rate brake ended (ABORTED), and counts it as aborted', async () => {
    const { h, receiver } = await start([], { RELSYNC_METRICS_PORT: String(await freePort()) });
    await h.runtime.queues.sync.pause();
    const file = await writePairs(h.sim, h.dir, 4, 2);
    const id = await h.importFile(file.path);
    await eventually('its sync jobs to be queued', async () => (await h.runtime.ledger.getImport(id))?.state === 'syncing');
    // What the import guard does when most rows fail: the first stop wins, and nothing more is sent.
    await h.runtime.ledger.stopImport(id, 'ABORTED', '6 of the first 8 rows failed (RELSYNC_ABORT_ERROR_RATE 0.5)');
    await h.runtime.queues.sync.resume();
    const record = await h.waitDone(id);
    expect(record).toMatchObject({ state: 'done', success: 0, skipped: 8 });
    await eventually('the event to be delivered', () => receiver.delivered().length === 1);
    expect(receiver.delivered()[0]).toMatchObject({
      event: 'import.finished', importId: id, state: 'done', skipped: 8, reason: 'ABORTED: 6 of the first 8 rows failed (RELSYNC_ABORT_ERROR_RATE 0.5)',
    });
    const samples = await scrape(`http://127.0.0.1:${h.config.metrics.port}`);
    expect(sampleSum(samples, 'relsync_import_duration_seconds_count', { outcome: 'aborted' })).toBe(1);
    expect(sampleSum(samples, 'relsync_rows_total', { status: 'skipped', code: 'ABORTED' })).toBe(8);
  });

  it('announces a pause that lasts once, with its reason, then its end once, then the end of the import', async () => {
    const { h, receiver } = await start([], { RELSYNC_PAUSE_ALERT_AFTER_MS: '200', RELSYNC_PAUSE_PROBE_MS: '100', ZOHO_CONCURRENCY: '2' }, { latencyMs: 10 });
    const refreshToken = h.sim.options.refreshToken;
    h.sim.setOptions({ refreshToken: 'not-the-workers-refresh-token' });
    // 200 calls of 10 ms, 2 at a time: the import goes on for about a second after the pause ends.
    const file = await writePairs(h.sim, h.dir, 200, 1);
    const id = await h.importFile(file.path);
    const paused = await eventually('import.paused', () => receiver.delivered().find((e) => e.event === 'import.paused'));
    expect(paused).toMatchObject({ importId: id, state: 'syncing', success: 0, reason: expect.stringMatching(/^cannot get a Zoho access token: .*invalid_code/) });
    h.sim.setOptions({ refreshToken });
    const record = await h.waitDone(id);
    expect(record).toMatchObject({ state: 'done', success: 200 });
    await eventually('import.finished', () => receiver.delivered().some((e) => e.event === 'import.finished'));
    await drained(h);
    expect(receiver.delivered().map((e) => e.event)).toEqual(['import.paused', 'import.resumed', 'import.finished']);
  });

  it("carries a mirror's removals by status in import.finished and in relsync_removals_total, as its record counts them", async () => {
    const { h, receiver } = await start([], { RELSYNC_METRICS_PORT: String(await freePort()) });
    const contacts = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID));
    const deals = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
    const seed = await h.waitDone(await h.importFile(await h.writeCsv('seed.csv', [HEADER, ...deals.slice(0, 5).map((d) => [contacts[0]!.External_Contact_ID, d.External_Deal_ID, ''])])));
    expect(seed).toMatchObject({ state: 'done', success: 5 });
    // The file keeps 2 of the contact's 5 links: the mirror removes the other 3.
    const file = await h.writeCsv('mirror.csv', [HEADER, ...deals.slice(0, 2).map((d) => [contacts[0]!.External_Contact_ID, d.External_Deal_ID, ''])]);
    const { importId } = await registerImport(registrationFor(h.config, h.runtime), { file, profile: 'contacts-deals', origin: 'cli', cwd: h.dir, mode: 'mirror', allowRemovals: true });
    const record = await h.waitDone(importId);
    expect(record).toMatchObject({ state: 'done', plannedRemovals: 3, removalsSuccess: 3 });
    await eventually('both events to be delivered', () => receiver.delivered().length === 2);
    const [seedEvent, mirrorEvent] = [seed.id, importId].map((id) => receiver.delivered().find((e) => e.importId === id));
    expect(seedEvent).toMatchObject({ event: 'import.finished', mode: 'link' });
    expect(seedEvent).not.toHaveProperty('removals');
    expect(mirrorEvent).toMatchObject({
      event: 'import.finished', mode: 'mirror', skipped: 2,
      removals: { planned: record.plannedRemovals, success: record.removalsSuccess ?? 0, error: record.removalsError ?? 0, skipped: record.removalsSkipped ?? 0 },
    });
    const samples = await scrape(`http://127.0.0.1:${h.config.metrics.port}`);
    expect(sampleSum(samples, 'relsync_removals_total', { status: 'success', code: 'SUCCESS' })).toBe(3);
    expect(sampleSum(samples, 'relsync_removals_total')).toBe(3);
    // Removals are not rows: the rows counter holds the two files' rows only.
    expect(sampleSum(samples, 'relsync_rows_total')).toBe(5 + 2);
  });
});
