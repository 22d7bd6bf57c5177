/**
 * A schedule on a remote pattern (src/usecases/start-import.ts startRemoteScheduled): at each tick the
 * newest match on a real sshd is imported — once. Later ticks with nothing new record a refused run
 * naming the file; a newer file is imported at the next tick; a file with a new name but content
 * already imported is not imported again. Two workers fire the ticks.
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScheduleAdd } from '../../src/cli/commands/schedule-command.js';
import { loadConfig } from '../../src/config/config.js';
import { addSchedule, listSchedules, removeSchedule } from '../../src/triggers/schedules.js';
import { captureIO } from '../helpers/cli-io.js';
import { useCleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness } from '../helpers/harness.js';
import { startSshd } from '../helpers/sshd.js';
import { csvText, validRows } from '../triggers/trigger-helpers.js';

describe('a schedule on an sftp:// pattern', () => {
  const closeAfter = useCleanup();

  it('imports the newest file once, then only a file with new content', async () => {
    const sshd = closeAfter(await startSshd());
    const h = closeAfter(await startHarness({ env: sshd.env }));
    await h.startWorkerRuntime();
    closeAfter(async () => {
      for (const s of await listSchedules(h.runtime.queues.imports)) await removeSchedule(h.runtime.queues.imports, s.name);
    });
    const exports = join(sshd.root, 'exports');
    await mkdir(exports);
    const put = async (name: string, text: string, ageMs: number): Promise<void> => {
      await writeFile(join(exports, name), text);
      const at = new Date(Date.now() - ageMs);
      await utimes(join(exports, name), at, at);
    };
    await put('deals-1.csv', csvText(validRows(h, 2, 1, 0)), 2 * 86_400_000);
    await put('deals-2.csv', csvText(validRows(h, 1, 1, 5)), 86_400_000);
    await writeFile(join(exports, 'deals-3.csv.part'), 'half a file');
    const scheduled = async () => (await h.runtime.ledger.listImports(100)).filter((r) => r.origin === 'schedule');

    await addSchedule(h.runtime.queues.imports, { name: 'nightly', cron: '*/1 * * * * *', file: sshd.url('exports/deals-*.csv'), profile: 'contacts-deals' });
    await eventually('an import and two refused runs', async () => {
      const runs = await scheduled();
      return runs.filter((r) => r.state === 'done').length === 1 && runs.filter((r) => r.state === 'failed').length >= 2;
    }, { timeoutMs: 30_000 });
    // A newer file with new content, then one with a new name and time but the same content.
    await put('deals-4.csv', csvText(validRows(h, 1, 1, 7)), 3_600_000);
    await eventually('the newer file imported', async () => (await scheduled()).filter((r) => r.state === 'done').length === 2, { timeoutMs: 30_000 });
    await put('deals-5.csv', csvText(validRows(h, 1, 1, 7)), 0);
    await eventually('the same content refused', async () => (await scheduled()).some((r) => r.failedReason?.includes('deals-5.csv has the same content')), { timeoutMs: 30_000 });
    await removeSchedule(h.runtime.queues.imports, 'nightly');
    await eventually('the imports queue to be idle', async () => {
      const counts = await h.runtime.queues.imports.getJobCounts('active', 'wait', 'delayed', 'waiting-children', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    });

    const runs = await scheduled();
    const done = runs.filter((r) => r.state === 'done').sort((a, b) => a.createdAt - b.createdAt);
    expect(done.map((r) => [r.sourceName, r.originalPath, r.success])).toEqual([
      ['deals-2.csv', sshd.url('exports/deals-2.csv'), 1],
      ['deals-4.csv', sshd.url('exports/deals-4.csv'), 1],
    ]);
    const refused = runs.filter((r) => r.state === 'failed').sort((a, b) => a.createdAt - b.createdAt).map((r) => r.failedReason!);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    const byName = (file: string): RegExp => new RegExp(`^schedule nightly: no new file: sftp://\\S+/exports/${file} \\(the newest match of '\\S+'\\) was imported already by this schedule \\(same name, size and time\\)$`);
    const byContent = /^schedule nightly: no new file: sftp:\/\/\S+\/exports\/deals-5\.csv has the same content as a file this schedule imported already$/;
    // An unchanged file is known by its name, size and time; deals-5 has its content read once, and is
    // then known by its name too.
    const [first, ...rest] = refused.filter((reason) => reason.includes('deals-5'));
    expect(first).toMatch(byContent);
    for (const reason of rest) expect(reason).toMatch(byName('deals-5\\.csv'));
    for (const reason of refused.filter((r) => !r.includes('deals-5'))) expect(reason).toMatch(byName('deals-[24]\\.csv'));
    // One Zoho call per import: nothing was sent twice.
    expect(h.sim.counters.calls).toBe(2);
  });

  it('schedule add keeps the URL as written, notes a pattern with no match yet, and refuses an unknown host in one line', async () => {
    const sshd = closeAfter(await startSshd());
    const h = closeAfter(await startHarness({ env: sshd.env }));
    closeAfter(async () => {
      for (const s of await listSchedules(h.runtime.queues.imports)) await removeSchedule(h.runtime.queues.imports, s.name);
    });
    const add = async (env: Record<string, string>, file: string): Promise<{ code: number; out: string; err: string }> => {
      const io = captureIO(h.dir);
      try {
        return { code: await runScheduleAdd(io, loadConfig({ ...h.env, ...env }, { cwd: h.dir }), { name: 'nightly', cron: '0 2 * * *', file, profile: 'contacts-deals' }), out: io.out(), err: io.err() };
      } catch (error) {
        return { code: 1, out: io.out(), err: (error as Error).message };
      }
    };
    const pattern = sshd.url('exports/deals-*.csv');
    const noted = await add({}, pattern);
    expect(noted).toMatchObject({ code: 0, err: `--file: no file matches '${pattern}' now; the worker looks for it at each run\n` });
    expect((await listSchedules(h.runtime.queues.imports)).map((s) => s.file)).toEqual([pattern]);
    const unknown = await add({ RELSYNC_SFTP_KNOWN_HOSTS: '' }, pattern);
    expect(unknown.code).toBe(1);
    // The line names the folder that was listed for the pattern.
    expect(unknown.err).toBe(`${sshd.url('exports')}: unknown host [127.0.0.1]:${sshd.port}: RELSYNC_SFTP_KNOWN_HOSTS is not set; add the host's key with: ssh-keyscan -p ${sshd.port} 127.0.0.1 >> known_hosts and set RELSYNC_SFTP_KNOWN_HOSTS to that file`);
  });
});
