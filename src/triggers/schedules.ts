/**
 * Schedules: cron imports, as BullMQ job schedulers on the `imports` queue. A scheduler lives in
 * Redis, so it survives restarts, and BullMQ adds exactly one job per tick (id
 * `repeat:<name>:<due ms>`) however many workers run; while no worker runs, ticks do not pile up.
 *
 * Each tick's job is an ordinary `import` job whose payload carries `schedule: { name }`. The worker
 * imports the newest file matching `file` at fire time (wildcards `*` `?` in the file name only), and
 * records a failed import that says so when none matches. The file must lie under the workers'
 * IMPORT_ROOT, like every path that reaches them through the queue.
 */
import { getNextMillis, type Queue } from 'bullmq';
import { IMPORT_JOB_OPTIONS, SCHEDULE_NAME, type ImportJobPayload, type ImportSummary } from '../../jobs/import.job.js';
import { JobName } from '../../jobs/queues.js';
import { ErrorCodes, UserError } from '../errors.js';
import { checkFilePattern } from '../usecases/newest-match.js';

export type ImportsQueue = Queue<ImportJobPayload, ImportSummary>;

export interface ScheduleSpec {
  /** Also the BullMQ job scheduler id: adding a name that exists replaces that schedule. */
  name: string;
  /** 5 fields, or 6 with leading seconds (cron-parser, as BullMQ reads it). */
  cron: string;
  /** IANA time zone the cron is read in; default the worker's (UTC in most containers). */
  tz?: string;
  /** Absolute path of the CSV, or a pattern with `*` `?` in its file name. */
  file: string;
  /** A built-in profile name or an absolute profile JSON path. */
  profile: string;
  /** Import even when the newest file was imported within RELSYNC_DEDUP_WINDOW_S. */
  force?: boolean;
  /** Each run sends only pairs new or changed since Zoho last confirmed them (payload `incremental`). */
  incremental?: boolean;
}

export interface ScheduleInfo extends ScheduleSpec {
  /** When the next tick is due; absent when BullMQ has none (an ended schedule). */
  nextRunAt?: Date;
}

/** Every problem of a spec at once, each "--flag: expected X, got Y". */
export function checkScheduleSpec(spec: ScheduleSpec): void {
  const problems: string[] = [];
  if (!SCHEDULE_NAME.test(spec.name)) problems.push(`--name: expected 1-40 letters, digits, '_' or '-' (starting with a letter or digit), got '${spec.name}'`);
  if (!isValidCron(spec.cron)) problems.push(`--cron: expected a cron pattern like '0 2 * * *', got '${spec.cron}'`);
  else if (spec.tz !== undefined && !isValidCron(spec.cron, spec.tz)) problems.push(`--tz: expected a time zone like 'Europe/Paris', got '${spec.tz}'`);
  try {
    checkFilePattern(spec.file, '--file');
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) throw new UserError(ErrorCodes.CONFIG_INVALID, problems.join('; '));
}

/** BullMQ's own reading of the pattern (cron-parser through getNextMillis), so we accept what it runs. */
function isValidCron(cron: string, tz?: string): boolean {
  try {
    return Number.isFinite(getNextMillis(Date.now(), { pattern: cron, tz }));
  } catch {
    return false;
  }
}

/** Create or replace a schedule; returns it with its next run. */
export async function addSchedule(queue: ImportsQueue, spec: ScheduleSpec): Promise<ScheduleInfo> {
  checkScheduleSpec(spec);
  const data: ImportJobPayload = {
    source: { path: spec.file },
    profile: spec.profile,
    origin: 'schedule',
    schedule: { name: spec.name },
    ...(spec.force ? { force: true } : {}),
    ...(spec.incremental ? { incremental: true } : {}),
  };
  await queue.upsertJobScheduler(spec.name, { pattern: spec.cron, ...(spec.tz ? { tz: spec.tz } : {}) }, { name: JobName.import, data, opts: IMPORT_JOB_OPTIONS });
  const added = (await listSchedules(queue)).find((s) => s.name === spec.name);
  return added ?? { ...spec };
}

/** Our schedules (schedulers whose template is a scheduled `import` job), soonest first. */
export async function listSchedules(queue: ImportsQueue): Promise<ScheduleInfo[]> {
  const schedulers = await queue.getJobSchedulers(0, -1, true);
  const found: ScheduleInfo[] = [];
  for (const s of schedulers) {
    const data = s.template?.data;
    if (s.name !== JobName.import || !data?.schedule || !('path' in data.source) || typeof data.profile !== 'string' || !s.pattern) continue;
    found.push({
      name: s.key,
      cron: s.pattern,
      ...(s.tz ? { tz: s.tz } : {}),
      file: data.source.path,
      profile: data.profile,
      ...(data.force ? { force: true } : {}),
      ...(data.incremental ? { incremental: true } : {}),
      ...(s.next ? { nextRunAt: new Date(s.next) } : {}),
    });
  }
  return found;
}

/** Remove a schedule; false when there is none of that name. */
export async function removeSchedule(queue: ImportsQueue, name: string): Promise<boolean> {
  if (!(await listSchedules(queue)).some((s) => s.name === name)) return false;
  return queue.removeJobScheduler(name);
}
