/**
 * `relsync schedule add --name <n> --cron "<pattern>" [--tz <zone>] --file <path or pattern> --profile <p> [--force]`,
 * `relsync schedule list [--json]`, `relsync schedule remove <n>`.
 *
 * Paths are resolved here, against the shell's folder, because the workers that fire the schedule
 * have folders of their own: the file (pattern) and a profile file are stored absolute, and the file
 * must lie under IMPORT_ROOT, where the workers will look.
 */
import { realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { ErrorCodes, UserError } from '../../errors.js';
import { BUILTIN_PROFILES, loadProfile } from '../../profile/profile.js';
import { addSchedule, checkScheduleSpec, listSchedules, removeSchedule, type ScheduleInfo, type ScheduleSpec } from '../../triggers/schedules.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime } from '../cli-runtime.js';
import { isInside } from '../../usecases/resolve-source.js';

/** As typed on the command line: `file` and `profile` are still relative to the working directory. */
export type ScheduleAddOptions = ScheduleSpec;

export async function runScheduleAdd(io: CliIO, config: Config, options: ScheduleAddOptions): Promise<number> {
  const spec: ScheduleSpec = { ...options, file: resolve(io.cwd, options.file), profile: await profileForSchedule(options.profile, io.cwd) };
  checkScheduleSpec(spec);
  await checkUnderImportRoot(spec.file, config.importRoot, '--file');
  if (!Object.hasOwn(BUILTIN_PROFILES, spec.profile)) await checkUnderImportRoot(spec.profile, config.importRoot, '--profile');
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
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
  return `${s.name}  '${s.cron}'${s.tz ? ` ${s.tz}` : ''}  ${next}  ${/[*?]/.test(s.file) ? 'newest of ' : ''}${s.file}  profile ${s.profile}${s.force ? '  (force)' : ''}`;
}

/** A built-in name as is; a profile file checked now (a mistake is one line here, not a failed import at 2 am) and made absolute. */
async function profileForSchedule(profile: string, cwd: string): Promise<string> {
  if (Object.hasOwn(BUILTIN_PROFILES, profile)) return profile;
  const path = resolve(cwd, profile);
  await loadProfile(profile, { cwd });
  return path;
}

/** Workers refuse queued paths outside their IMPORT_ROOT; say so now rather than at every tick. */
async function checkUnderImportRoot(file: string, importRoot: string, flag: string): Promise<void> {
  const root = await realpath(importRoot).catch(() => importRoot);
  const folder = await realpath(dirname(file)).catch(() => dirname(file));
  if (!isInside(folder, root)) {
    throw new UserError(ErrorCodes.PATH_OUTSIDE_ROOT, `${flag}: expected a path under IMPORT_ROOT (${importRoot}), got '${file}' (workers read only under IMPORT_ROOT)`);
  }
}
