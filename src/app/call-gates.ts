/**
 * The org-wide cap and credit budget for Zoho calls made outside a sync job, on the sync queue's keys.
 * Apart from queues.ts, so a command that only enqueues (`relsync import`) does not load the Zoho code.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { ZohoCallGate } from '../zoho/call-gate.js';
import { CallSlots } from '../zoho/call-slots.js';
import { CreditBudget } from '../zoho/credit-budget.js';
import type { Queues } from './queues.js';

/**
 * The org-wide cap's slots for calls made outside a sync job (zoho/call-slots.ts): the same limit as
 * the sync queue's global concurrency, on that queue's own keys.
 */
export function callSlotsFor(config: Config, redis: Redis, queues: Pick<Queues, 'sync'>): CallSlots {
  const { meta, active, marker } = queues.sync.keys;
  return new CallSlots({ redis, prefix: config.prefix, queueKeys: { meta: meta!, active: active!, marker: marker! }, max: config.zoho.concurrency });
}

/**
 * The gate of a command that calls Zoho (`check`, the dry-run preview): a credit of the workers' budget
 * and a slot of their cap for each call, as the workers' own calls take them.
 */
export function commandCallGate(config: Config, redis: Redis, queues: Pick<Queues, 'sync'>): ZohoCallGate {
  const budget = config.zoho.dailyCredits ? new CreditBudget({ redis, prefix: config.prefix, limit: config.zoho.dailyCredits, windowMs: config.zoho.creditWindowMs }) : undefined;
  return new ZohoCallGate({ budget, slots: callSlotsFor(config, redis, queues), probeMs: config.zoho.pauseProbeMs });
}
