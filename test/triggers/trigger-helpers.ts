/** Shared by the trigger tests: polling with a deadline, CSV content the simulator accepts, queue events. */
import { QueueEvents } from 'bullmq';
import { QueueName } from '../../jobs/queues.js';
import type { Config } from '../../src/config/config.js';
import { formatCsvRow } from '../../src/report/csv-format.js';
import type { Harness } from '../helpers/harness.js';

export const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role'];

/** Poll `probe` until it returns something truthy; fail naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Rows pairing `contacts` contacts (from `offset`) with `dealsEach` deals each, all valid: one Zoho
 * call per contact. Different offsets give different content.
 */
export function validRows(h: Harness, contacts: number, dealsEach = 2, offset = 0): string[][] {
  const cs = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID)).slice(offset, offset + contacts);
  const ds = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
  return cs.flatMap((c, i) => Array.from({ length: dealsEach }, (_, k) => [c.External_Contact_ID, ds[(i * dealsEach + k) % ds.length]!.External_Deal_ID, '']));
}

export function csvText(rows: string[][]): string {
  return [HEADER, ...rows].map((cells) => formatCsvRow(cells)).join('\n') + '\n';
}

export async function openImportEvents(config: Config): Promise<QueueEvents> {
  const events = new QueueEvents(QueueName.imports, { connection: { url: config.redisUrl }, prefix: config.prefix });
  await events.waitUntilReady();
  return events;
}
