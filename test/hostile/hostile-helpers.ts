/**
 * Shared by the hostile-input tests: fixtures copied under the harness's IMPORT_ROOT, an import run the
 * way another service runs one (a job on the `imports` queue, so the worker itself meets the bad
 * input), and reports read back as plain rows whatever their delimiter.
 */
import { copyFile, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { parse } from 'csv-parse/sync';
import type { ImportJobPayload, ImportSummary } from '../../jobs/import.job.js';
import { IMPORT_JOB_OPTIONS } from '../../jobs/import.job.js';
import { JobName, QueueName } from '../../jobs/queues.js';
import type { ImportRecord } from '../../src/ledger/run-ledger.js';
import { BUILTIN_PROFILES, type Profile } from '../../src/profile/profile.js';
import { importIdOf } from '../../src/usecases/import-record.js';
import type { Harness } from '../helpers/harness.js';

export const HOSTILE_FIXTURES = join(import.meta.dirname, '../fixtures/hostile');
export const ROLE = '111111000000026002';
export const CONTACTS_DEALS = BUILTIN_PROFILES['contacts-deals'] as Profile;

/** Copy a fixture into IMPORT_ROOT; returns its real absolute path (as the worker names it). */
export async function stageFixture(h: Harness, name: string): Promise<string> {
  const target = join(await realpath(h.dir), name);
  await copyFile(join(HOSTILE_FIXTURES, name), target);
  return target;
}

export async function openImportEvents(h: Harness): Promise<QueueEvents> {
  const events = new QueueEvents(QueueName.imports, { connection: { url: h.config.redisUrl }, prefix: h.config.prefix });
  await events.waitUntilReady();
  return events;
}

export interface JobOutcome {
  importId: string;
  summary?: ImportSummary;
  /** The job's failedReason: what another service sees. */
  reason?: string;
  record?: ImportRecord;
}

/** Add an `import` job as another service would and wait for it to complete or fail. */
export async function runImportJob(h: Harness, events: QueueEvents, payload: ImportJobPayload): Promise<JobOutcome> {
  const job = await h.runtime.queues.imports.add(JobName.import, payload, IMPORT_JOB_OPTIONS);
  const importId = importIdOf(job.id, payload);
  let outcome: JobOutcome;
  try {
    outcome = { importId, summary: (await job.waitUntilFinished(events)) as ImportSummary };
  } catch (error) {
    outcome = { importId, reason: (error as Error).message };
  }
  return { ...outcome, record: await h.runtime.ledger.getImport(importId) };
}

/** A report (or any CSV we wrote) as rows of cells, header first. */
export async function readRows(path: string, delimiter = ','): Promise<string[][]> {
  return parse(await readFile(path), { delimiter, bom: true, relax_column_count: false }) as string[][];
}

/** The Zoho id of a deal of the simulator's data set, by external id. */
export function dealId(h: Harness, externalId: string): string {
  const deal = h.sim.dataset.deals.find((d) => d.External_Deal_ID === externalId);
  if (!deal) throw new Error(`no deal ${externalId} in the simulator's data set`);
  return deal.id;
}
