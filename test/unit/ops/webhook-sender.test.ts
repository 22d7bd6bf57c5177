import { describe, expect, it } from 'vitest';
import type { ImportEvent } from '../../../jobs/webhook.job.js';
import { loadConfig } from '../../../src/config/config.js';
import { deliverWebhook, slackText, webhookBody, webhookReceivers } from '../../../src/ops/webhook-sender.js';
import { freePort } from '../../helpers/redis-server.js';

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX';

const finished: ImportEvent = {
  event: 'import.finished', importId: 'imp-20261130-020000-abc123', state: 'done', file: 'deals <night>.csv', profile: 'contacts-deals', origin: 'schedule',
  rows: 1000, success: 980, error: 12, skipped: 8, durationMs: 134_000, reportPath: '/srv/reports/imp-20261130-020000-abc123.report.csv', mode: 'link',
};

describe('webhook receivers', () => {
  it('names a receiver by a hash of its URL, shows only its scheme and host, and knows Slack by its host', () => {
    const [slack, other] = webhookReceivers([SLACK, 'http://127.0.0.1:9000/hook?token=abc']);
    expect(slack).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{16}$/), shownAs: 'https://hooks.slack.com/***', isSlack: true });
    expect(other).toMatchObject({ shownAs: 'http://127.0.0.1:9000/***', isSlack: false });
    expect(webhookReceivers([SLACK])[0]!.id).toBe(slack!.id);
    expect(JSON.stringify([slack!.id, slack!.shownAs, other!.shownAs])).not.toMatch(/SECRET|token=abc/);
  });

  it('refuses a bad RELSYNC_WEBHOOK_URL without printing its path or query', () => {
    expect(() => loadConfig({ RELSYNC_WEBHOOK_URL: `${SLACK}, ftp://files.example/T0KEN` })).toThrowError(
      "invalid configuration: RELSYNC_WEBHOOK_URL: expected comma-separated http:// or https:// URLs, got 'ftp://files.example/***'",
    );
    expect(loadConfig({ RELSYNC_WEBHOOK_URL: ` ${SLACK} ,http://127.0.0.1:9000/h ` }).webhooks.urls).toEqual([SLACK, 'http://127.0.0.1:9000/h']);
  });
});

describe('webhook bodies', () => {
  it('sends the event as JSON, and Slack a readable text with & < > escaped', () => {
    const [slack, other] = webhookReceivers([SLACK, 'http://127.0.0.1:9000/hook']);
    expect(JSON.parse(webhookBody(other!, finished))).toEqual(finished);
    expect(JSON.parse(webhookBody(slack!, finished))).toEqual({
      text: ':warning: relsync import `imp-20261130-020000-abc123` finished: deals &lt;night&gt;.csv (contacts-deals, schedule) — 1000 rows: 980 success, 12 error, 8 skipped in 2 min 14 s.\nReport: /srv/reports/imp-20261130-020000-abc123.report.csv',
    });
  });

  it('says why an import stopped early, failed, or waits', () => {
    expect(slackText({ ...finished, reason: 'ABORTED: 60% of the first 500 rows failed' })).toContain(':octagonal_sign: relsync import `imp-20261130-020000-abc123` finished:');
    expect(slackText({ ...finished, reason: 'ABORTED: 60% of the first 500 rows failed' })).toContain('\nStopped early: ABORTED: 60% of the first 500 rows failed\n');
    expect(slackText({ ...finished, event: 'import.failed', state: 'failed', reportPath: null, reason: 'deals.csv: the file is empty' }))
      .toBe(':x: relsync import `imp-20261130-020000-abc123` failed: deals &lt;night&gt;.csv (contacts-deals, schedule) in 2 min 14 s.\ndeals.csv: the file is empty');
    const mirror = { ...finished, error: 0, mode: 'mirror', removals: { planned: 40, success: 38, error: 1, skipped: 1 } };
    expect(slackText(mirror)).toContain(':warning: relsync import `imp-20261130-020000-abc123` finished: deals &lt;night&gt;.csv (contacts-deals, schedule) — 1000 rows: 980 success, 0 error, 8 skipped; 38 of 40 links removed, 1 error, 1 skipped in 2 min 14 s.');
    expect(slackText({ ...finished, event: 'import.paused', state: 'syncing', reason: 'Zoho API credits exhausted (429): waiting' }))
      .toBe(':double_vertical_bar: relsync import `imp-20261130-020000-abc123` is waiting: deals &lt;night&gt;.csv (contacts-deals, schedule) — 1000 rows: 980 success, 12 error, 8 skipped so far.\nZoho API credits exhausted (429): waiting');
  });
});

describe('deliverWebhook', () => {
  it('fails with WEBHOOK_FAILED naming the receiver by host only when nothing listens', async () => {
    const port = await freePort();
    const [receiver] = webhookReceivers([`http://127.0.0.1:${port}/hooks/T0KEN-1234`]);
    const failure = await deliverWebhook(receiver!, finished, { deliveryId: 'd1', secret: 'shh-secret' }).then(() => undefined, (error: unknown) => error);
    expect(failure).toMatchObject({ code: 'WEBHOOK_FAILED', isRetryable: true, message: `webhook receiver http://127.0.0.1:${port}/*** could not be reached (ECONNREFUSED)` });
    expect(JSON.stringify(failure) + String((failure as Error).stack)).not.toMatch(/T0KEN|shh-secret/);
  });
});
