/**
 * `relsync schedule add --name <n> --cron "<pattern>" [--tz <zone>] --file <path or pattern> --profile <p> [--force] [--incremental]`,
 * `relsync schedule list [--json]`, `relsync schedule remove <n>`.
 *
 * Paths are resolved here, against the shell's folder, because the workers that fire the schedule
 * have folders of their own: the file (pattern) and a profile file are stored absolute. Then they are
 * checked as the worker will read them (usecases/scheduled-source.ts): under IMPORT_ROOT, links
 * followed, the profile loaded; a file not there yet is a note on stderr, not a refusal.
 */
import { resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { ErrorCodes, UserError } from '../../errors.js';
import { BUILTIN_PROFILES } from '../../profile/profile.js';
import { addSchedule, checkScheduleSpec, listSchedules, removeSchedule, type ScheduleInfo, type ScheduleSpec } from '../../triggers/schedules.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime } from '../cli-runtime.js';
import { checkSchedulePaths } from '../../usecases/scheduled-source.js';
import { isRemote } from '../../storage/location.js';

/** As typed on the command line: `file` and `profile` are still relative to the working directory. */
export type ScheduleAddOptions = ScheduleSpec;

export async function runScheduleAdd(io: CliIO, config: Config, options: ScheduleAddOptions): Promise<number> {
  // A URL (sftp://, s3://, https://) is the same for every worker: kept as written.
  const spec: ScheduleSpec = { ...options, file: isRemote(options.file) ? options.file : resolve(io.cwd, options.file), profile: profileForSchedule(options.profile, io.cwd) };
  checkScheduleSpec(spec);
  const notes = await checkSchedulePaths(spec, config.importRoot, config.remote);
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
    for (const note of notes) io.stderr.write(`${note}\n`);
    const replaced = (await listSchedules(runtime.queues.imports)).some((s) => s.name === spec.name);
    const added = await addSchedule(runtime.queues.imports, spec);
    io.stdout.write(`${replaced ? 'replaced' : 'added'} ${describeSchedule(added)}\n`);
    return ExitCode.ok;
  });
}

export async function runScheduleList(io: CliIO, config: Config, options: { json?: boolean }): Promise<number> {
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
    const schedules = await listSchedules(runtime.queues.imports);
    if (options.json) io.stdout.write(`${JSON.stringify(schedules.map((s) => ({ ...s, tz: s.tz ?? null, nextRunAt: s.nextRunAt?.toISOString() ?? null })))}\n`);
    else if (schedules.length === 0) io.stdout.write('no schedules\n');
    else for (const s of schedules) io.stdout.write(`${describeSchedule(s)}\n`);
    return ExitCode.ok;
  });
}

export async function runScheduleRemove(io: CliIO, config: Config, name: string): Promise<number> {
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
    if (!(await removeSchedule(runtime.queues.imports, name))) {
      throw new UserError(ErrorCodes.CONFIG_INVALID, `schedule ${name}: no such schedule (see 'relsync schedule list')`);
    }
    io.stdout.write(`removed schedule ${name}\n`);
    return ExitCode.ok;
  });
}

/** `nightly  '0 2 * * *' Europe/Paris  next 2026-11-28T01:00:00.000Z  newest of /data/*.csv  profile contacts-deals` */
export function describeSchedule(s: ScheduleInfo): string {
  const next = s.nextRunAt ? `next ${s.nextRunAt.toISOString()}` : 'no next run';
  return `${s.name}  '${s.cron}'${s.tz ? ` ${s.tz}` : ''}  ${next}  ${/[*?]/.test(s.file) ? 'newest of ' : ''}${s.file}  profile ${s.profile}${s.force ? '  (force)' : ''}${s.incremental ? '  (incremental)' : ''}`;
}

/** A built-in name as is; a profile file made absolute (checked, as the worker loads it, by checkSchedulePaths). */
function profileForSchedule(profile: string, cwd: string): string {
  return Object.hasOwn(BUILTIN_PROFILES, profile) ? profile : resolve(cwd, profile);
}
