/**
 * The `webhooks` queue at the worker edge. A `webhook` job delivers one event to one receiver: a 2xx
 * completes it; anything else throws, and BullMQ tries again after `webhookBackoffMs` (1 s doubling to
 * 10 min, WEBHOOK_ATTEMPTS in all: about two hours), so a receiver that is down loses no event within
 * that. A `pause-check` job settles an import's pause alert (import-events.ts). Imports never wait on
 * this queue: they only add jobs to it.
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { JobName } from '../../jobs/queues.js';
import { webhookBackoffMs, type PauseCheckPayload, type WebhookDeliveryPayload } from '../../jobs/webhook.job.js';
import { oneLine } from '../errors.js';
import type { RelsyncMetrics } from '../ops/metrics.js';
import { deliverWebhook, type WebhookReceiver } from '../ops/webhook-sender.js';
import { checkPause, type ImportEventDeps } from '../usecases/import-events.js';

export type WebhookJobData = WebhookDeliveryPayload | PauseCheckPayload;

export interface WebhookProcessorDeps {
  receivers: readonly WebhookReceiver[];
  /** RELSYNC_WEBHOOK_SECRET: signs every body when set. */
  secret?: string;
  events: ImportEventDeps;
  metrics?: Pick<RelsyncMetrics, 'webhookDelivery'>;
  log: Logger;
}

/** BullMQ `settings.backoffStrategy` of the webhooks worker. */
export function webhookBackoffStrategy(attemptsMade: number): number {
  return webhookBackoffMs(attemptsMade);
}

export function createWebhookProcessor(deps: WebhookProcessorDeps) {
  return async (job: Job<WebhookJobData>): Promise<void> => {
    if (job.name === JobName.pauseCheck) return checkPause(deps.events, (job.data as PauseCheckPayload).importId);
    const { receiverId, body } = job.data as WebhookDeliveryPayload;
    const log = deps.log.child({ importId: body.importId, jobId: job.id, attempt: job.attemptsMade + 1 });
    const receiver = deps.receivers.find((candidate) => candidate.id === receiverId);
    if (!receiver) {
      deps.metrics?.webhookDelivery('dropped');
      log.warn({ event: body.event, receiverId }, 'webhook event dropped: its receiver is no longer in RELSYNC_WEBHOOK_URL');
      return;
    }
    try {
      await deliverWebhook(receiver, body, { secret: deps.secret, deliveryId: job.id ?? `${body.importId}.${body.event}` });
    } catch (error) {
      deps.metrics?.webhookDelivery('failed');
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      log.warn({ event: body.event, receiver: receiver.shownAs, reason: oneLine(error) }, last ? 'webhook event not delivered: attempts used up' : 'webhook delivery failed; will retry with backoff');
      throw error;
    }
    deps.metrics?.webhookDelivery('delivered');
    log.info({ event: body.event, receiver: receiver.shownAs }, 'webhook event delivered');
  };
}
