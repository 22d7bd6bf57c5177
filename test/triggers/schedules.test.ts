/**
 * Schedules on BullMQ job schedulers, against real Redis, the simulator and two real worker runtimes:
 * one import per tick however many workers run, the newest matching file, a clear failure when none.
 */
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runScheduleAdd } from '../../src/cli/commands/schedule-command.js';
import { isUserError } from '../../src/errors.js';
import { BUILTIN_PROFILES } from '../../src/profile/profile.js';
import { addSchedule, checkScheduleSpec, listSchedules, removeSchedule } from '../../src/triggers/schedules.js';
import { fileNamePattern } from '../../src/usecases/newest-match.js';
import { captureIO } from '../helpers/cli-io.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { csvText, validRows } from './trigger-helpers.js';

describe('schedules', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    for (const s of await listSchedules(h.runtime.queues.imports)) await removeSchedule(h.runtime.queues.imports, s.name);
    await h.close();
  });

  const scheduled = async () => (await h.runtime.ledger.listImports(100)).filter((r) => r.origin === 'schedule');
  const queueIdle = async () => {
    const counts = await h.runtime.queues.imports.getJobCounts('active', 'wait', 'delayed', 'waiting-children', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  };

  it('fires once per tick with two workers, importing the newest matching file', async () => {
    await h.startWorkerRuntime(); // a second worker, closed with the harness
    const older = await h.writeCsv('export-2026-11-25.csv', [['contact_ext_id', 'deal_ext_id', 'contact_role'], ...validRows(h, 2, 1, 0)]);
    await utimes(older, new Date(Date.now() - 86_400_000), new Date(Date.now() - 86_400_000));
    await writeFile(join(h.dir, 'export-2026-11-26.csv'), csvText(validRows(h, 1, 1, 5)));
    await writeFile(join(h.dir, 'export-2026-11-27.csv.part'), 'half a file');

    await addSchedule(h.runtime.queues.imports, { name: 'every-second', cron: '*/1 * * * * *', file: join(h.dir, 'export-*.csv'), profile: 'contacts-deals' });
    await eventually('3 scheduled imports done', async () => (await scheduled()).filter((r) => r.state === 'done').length >= 3);
    expect(await removeSchedule(h.runtime.queues.imports, 'every-second')).toBe(true);
    await eventually('the imports queue to be idle', queueIdle);

    const imports = await scheduled();
    const ticks = imports.map((r) => /^sch-every-second-(\d{8}-\d{6})$/.exec(r.id)?.[1]);
    expect(ticks.every(Boolean)).toBe(true);
    expect(new Set(ticks).size).toBe(imports.length);
    expect(imports.every((r) => r.state === 'done' && r.sourceName === 'export-2026-11-26.csv' && r.success === 1)).toBe(true);
    // One Zoho call per import: no tick ran twice, on either worker.
    expect(h.sim.counters.calls).toBe(imports.length);
    expect(await listSchedules(h.runtime.queues.imports)).toEqual([]);
  });

  it('--incremental: each run sends only what changed since Zoho confirmed it (the nightly export recipe)', async () => {
    const file = await h.writeCsv('nightly.csv', [['contact_ext_id', 'deal_ext_id', 'contact_role'], ...validRows(h, 3, 2, 0)]);
    // Last night's run: the 6 pairs sent in 3 calls, and remembered.
    expect(await h.waitDone(await h.importFile(file))).toMatchObject({ state: 'done', success: 6 });
    const io = captureIO(h.dir);
    expect(await runScheduleAdd(io, h.config, { name: 'nightly', cron: '*/1 * * * * *', file, profile: 'contacts-deals', incremental: true })).toBe(0);
    expect(io.out()).toMatch(/ {2}profile contacts-deals {2}\(incremental\)\n$/);
    expect(await listSchedules(h.runtime.queues.imports)).toEqual([expect.objectContaining({ name: 'nightly', incremental: true })]);
    await eventually('2 scheduled imports done', async () => (await scheduled()).filter((r) => r.state === 'done').length >= 2);
    await removeSchedule(h.runtime.queues.imports, 'nightly');
    await eventually('the imports queue to be idle', queueIdle);
    // Every scheduled run found the 6 pairs unchanged and called nothing.
    const runs = await scheduled();
    expect(runs.every((r) => r.state === 'done' && r.skipped === 6 && r.plannedCalls === 0)).toBe(true);
    expect(h.sim.counters.calls).toBe(3);
  });

  it('records a failed import that says so when no file matches at fire time', async () => {
    await addSchedule(h.runtime.queues.imports, { name: 'nothing', cron: '*/1 * * * * *', file: join(h.dir, 'missing-*.csv'), profile: 'contacts-deals' });
    const failed = await eventually('a failed scheduled import', async () => (await scheduled()).find((r) => r.state === 'failed'));
    await removeSchedule(h.runtime.queues.imports, 'nothing');
    expect(failed.failedReason).toBe(`schedule nothing: no file matches '${join(h.dir, 'missing-*.csv')}'${failed.failedReason!.slice(failed.failedReason!.indexOf(' (looked at'))}`);
    expect(h.sim.counters.calls).toBe(0);
  });

  it('records every run it refuses as a failed import with its reason: a profile that no longer loads, a file that is gone', async () => {
    const profile = join(h.dir, 'nightly.profile.json');
    await writeFile(profile, JSON.stringify(BUILTIN_PROFILES['contacts-deals']));
    const file = await h.writeCsv('export.csv', [['contact_ext_id', 'deal_ext_id', 'contact_role'], ...validRows(h, 1, 1, 0)]);
    await writeFile(profile, '{ "module": "Contacts", '); // broken after the schedule was checked
    await addSchedule(h.runtime.queues.imports, { name: 'broken', cron: '*/1 * * * * *', file, profile });
    const failed = await eventually('a failed scheduled import', async () => (await scheduled()).find((r) => r.state === 'failed'));
    await removeSchedule(h.runtime.queues.imports, 'broken');
    expect(failed).toMatchObject({ id: expect.stringMatching(/^sch-broken-\d{8}-\d{6}$/), origin: 'schedule', sourceName: 'export.csv', profileName: profile });
    expect(failed.failedReason!.startsWith(`schedule broken: ${profile}: line 1 column `)).toBe(true);
    expect(failed.failedReason).toMatch(/: invalid JSON: .+$/);
    expect(h.sim.counters.calls).toBe(0);
  });

  it('schedule add refuses what the worker would refuse at every tick (outside IMPORT_ROOT as written, or through a link) and notes a file not there yet', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'relsync-outside-'));
    try {
      const add = async (file: string, profile = 'contacts-deals') => {
        const io = captureIO(h.dir);
        try {
          return { code: await runScheduleAdd(io, h.config, { name: 'nightly', cron: '0 2 * * *', file, profile }), out: io.out(), err: io.err() };
        } catch (error) {
          return { code: 1, out: io.out(), err: (error as Error).message };
        }
      };
      // A link from outside to IMPORT_ROOT: the worker confines the path as written, so it refuses it.
      await symlink(h.dir, join(outside, 'root-link'));
      expect((await add(join(outside, 'root-link', 'export.csv'))).err).toBe(`--file: expected a path under IMPORT_ROOT (${h.dir}), got '${join(outside, 'root-link', 'export.csv')}' (workers read only under IMPORT_ROOT)`);
      // A folder under IMPORT_ROOT that is a link leading out of it.
      await symlink(outside, join(h.dir, 'out-link'));
      expect((await add(join(h.dir, 'out-link', 'export-*.csv'))).err).toBe(`--file: '${join(h.dir, 'out-link')}' leads outside IMPORT_ROOT (${h.dir}) through a link`);
      // The newest match now is a link leading out.
      await writeFile(join(outside, 'x.csv'), 'contact_ext_id,deal_ext_id\n');
      await mkdir(join(h.dir, 'drop'));
      await symlink(join(outside, 'x.csv'), join(h.dir, 'drop', 'export-1.csv'));
      expect((await add(join(h.dir, 'drop', 'export-*.csv'))).err).toBe(`--file: '${join(h.dir, 'drop', 'export-1.csv')}' leads outside IMPORT_ROOT (${h.dir}) through a link`);
      // A profile file outside IMPORT_ROOT: the worker would not read it.
      await writeFile(join(outside, 'p.json'), JSON.stringify(BUILTIN_PROFILES['contacts-deals']));
      expect((await add(join(h.dir, 'export.csv'), join(outside, 'p.json'))).err).toBe(`profile: expected a file under IMPORT_ROOT (${h.dir}), got '${join(outside, 'p.json')}'`);
      expect(await listSchedules(h.runtime.queues.imports)).toEqual([]);

      const later = await add('later/export-*.csv');
      expect(later).toMatchObject({ code: 0, err: `--file: no folder '${join(h.dir, 'later')}' now; the worker looks for it at each run\n` });
      expect(later.out).toMatch(/^added nightly {2}'0 2 \* \* \*'/);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('lists a schedule with its next run, and replaces one added again under the same name', async () => {
    const queue = h.runtime.queues.imports;
    await addSchedule(queue, { name: 'nightly', cron: '0 2 * * *', tz: 'Europe/Paris', file: join(h.dir, 'a.csv'), profile: 'contacts-deals' });
    await addSchedule(queue, { name: 'nightly', cron: '30 3 * * *', tz: 'Europe/Paris', file: join(h.dir, 'b-*.csv'), profile: 'contacts-deals', force: true });
    const [only, ...rest] = await listSchedules(queue);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ name: 'nightly', cron: '30 3 * * *', tz: 'Europe/Paris', file: join(h.dir, 'b-*.csv'), profile: 'contacts-deals', force: true });
    expect(only!.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
    expect(await removeSchedule(queue, 'nightly')).toBe(true);
    expect(await removeSchedule(queue, 'nightly')).toBe(false);
  });

  it('refuses a bad cron, time zone, name or pattern with one line naming each flag', () => {
    const spec = { name: 'ok', cron: '0 2 * * *', file: '/data/x-*.csv', profile: 'contacts-deals' };
    const problem = (patch: Partial<typeof spec> & { tz?: string }): string => {
      try {
        checkScheduleSpec({ ...spec, ...patch });
        return 'accepted';
      } catch (error) {
        expect(isUserError(error)).toBe(true);
        return (error as Error).message;
      }
    };
    expect(problem({})).toBe('accepted');
    expect(problem({ cron: 'x' })).toBe("--cron: expected a cron pattern like '0 2 * * *', got 'x'");
    expect(problem({ cron: '61 * * * *' })).toBe("--cron: expected a cron pattern like '0 2 * * *', got '61 * * * *'");
    expect(problem({ tz: 'Nowhere/City' })).toBe("--tz: expected a time zone like 'Europe/Paris', got 'Nowhere/City'");
    expect(problem({ name: 'has space' })).toMatch(/^--name: expected 1-40 letters/);
    expect(problem({ file: '/data/*/x.csv' })).toBe("--file: expected wildcards (* ?) in the file name only, got '/data/*/x.csv'");
  });

  it('matches file names with * and ? only, everything else literally', () => {
    expect(fileNamePattern('export-*.csv').test('export-2026.csv')).toBe(true);
    expect(fileNamePattern('export-*.csv').test('export-2026.csv.part')).toBe(false);
    expect(fileNamePattern('a?.csv').test('ab.csv')).toBe(true);
    expect(fileNamePattern('a+(b).csv').test('a+(b).csv')).toBe(true);
    expect(fileNamePattern('a.csv').test('abcsv')).toBe(false);
  });
});
