/**
 * Sends one import event to one receiver: a JSON POST of the event (docs/contract.md#alerts), or, for
 * a Slack incoming webhook (`hooks.slack.com`), a `{ "text": … }` a person can read. With a secret, the
 * body is signed: `X-Relsync-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>`.
 *
 * A receiver's URL may carry its token (Slack's do, in the path), so no message, log line or job
 * failure reason ever holds it: receivers are shown as `https://host/***` and named in jobs by id.
 */
import { createHash, createHmac } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import type { ImportEvent } from '../../jobs/webhook.job.js';
import { redactWebhookUrl } from '../config/config.js';
import { ErrorCodes, RelsyncError } from '../errors.js';

export interface WebhookReceiver {
  /** First 16 hex digits of the URL's SHA-256: how jobs name the receiver. */
  id: string;
  url: string;
  /** The URL as it may be printed: scheme, host and port. */
  shownAs: string;
  isSlack: boolean;
}

export function webhookReceivers(urls: readonly string[]): WebhookReceiver[] {
  return [...new Set(urls)].map((url) => ({
    id: createHash('sha256').update(url).digest('hex').slice(0, 16),
    url,
    shownAs: redactWebhookUrl(url),
    isSlack: new URL(url).hostname.toLowerCase() === 'hooks.slack.com',
  }));
}

/** `sha256=<hex>` of the body: what a receiver recomputes with the shared secret and compares. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function webhookBody(receiver: Pick<WebhookReceiver, 'isSlack'>, event: ImportEvent): string {
  return JSON.stringify(receiver.isSlack ? { text: slackText(event) } : event);
}

export interface DeliverOptions {
  secret?: string;
  /** Stable across the attempts of one delivery, so a receiver can drop a repeat whose answer we lost. */
  deliveryId: string;
  /** Whole exchange, in ms. Default 10 s: a receiver slower than that is treated as down. */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** POST the event; resolves on a 2xx, throws a WEBHOOK_FAILED error (without the URL) otherwise. */
export async function deliverWebhook(receiver: WebhookReceiver, event: ImportEvent, options: DeliverOptions): Promise<void> {
  const body = webhookBody(receiver, event);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'relsync-webhook',
    'x-relsync-event': event.event,
    'x-relsync-delivery': options.deliveryId,
  };
  if (options.secret) headers['x-relsync-signature'] = webhookSignature(options.secret, body);
  let status: number;
  try {
    const response = await request(receiver.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    status = response.statusCode;
    // Read to the end so the connection can be reused; the receiver's words are not kept (they could echo anything).
    await response.body.dump();
  } catch (error) {
    throw new RelsyncError(ErrorCodes.WEBHOOK_FAILED, `webhook receiver ${receiver.shownAs} could not be reached (${errorCode(error)})`);
  }
  if (status < 200 || status >= 300) {
    throw new RelsyncError(ErrorCodes.WEBHOOK_FAILED, `webhook receiver ${receiver.shownAs} answered HTTP ${status}`);
  }
}

/** A code for a network error (ECONNREFUSED, UND_ERR_SOCKET, TimeoutError…), never its message: undici's may quote the URL. */
function errorCode(error: unknown): string {
  const record = error as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  const code = record.code ?? record.cause?.code ?? record.name;
  return typeof code === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(code) ? code : 'network error';
}

/** One line for a person, in Slack's mrkdwn (`&`, `<` and `>` escaped, as Slack asks). */
export function slackText(event: ImportEvent): string {
  const what = `${escape(event.file)} (${escape(event.profile)}, ${escape(event.origin)})`;
  const removals = event.removals ? `; ${event.removals.success} of ${event.removals.planned} links removed, ${event.removals.error} error, ${event.removals.skipped} skipped` : '';
  const counts = `${event.rows ?? '?'} rows: ${event.success} success, ${event.error} error, ${event.skipped} skipped${removals}`;
  const took = event.durationMs === null ? '' : ` in ${duration(event.durationMs)}`;
  const reason = event.reason ? escape(event.reason) : '';
  switch (event.event) {
    case 'import.finished': {
      const icon = event.reason ? ':octagonal_sign:' : event.error > 0 || (event.removals?.error ?? 0) > 0 ? ':warning:' : ':white_check_mark:';
      const lines = [`${icon} relsync import \`${event.importId}\` finished: ${what} — ${counts}${took}.`];
      if (reason) lines.push(`Stopped early: ${reason}`);
      if (event.reportPath) lines.push(`Report: ${escape(event.reportPath)}`);
      return lines.join('\n');
    }
    case 'import.failed':
      return `:x: relsync import \`${event.importId}\` failed: ${what}${took}.\n${reason || 'no reason recorded'}`;
    case 'import.paused':
      return `:double_vertical_bar: relsync import \`${event.importId}\` is waiting: ${what} — ${counts} so far.\n${reason}`;
    case 'import.resumed':
      return `:arrow_forward: relsync import \`${event.importId}\` resumed: ${what} — ${counts} so far.`;
  }
}

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** 2 h 5 min, 14 min 3 s, 12 s. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1_000);
  if (s < 60) return `${s} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3_600)} h ${Math.floor((s % 3_600) / 60)} min`;
}
