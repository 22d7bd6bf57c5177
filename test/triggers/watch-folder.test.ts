/**
 * The watched folder against real Redis, the simulator and the real worker runtime: files are taken
 * once complete, once across several watchers, and end in done/ or failed/ with their reports.
 */
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportPaths } from '../../src/report/report-writer.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { enqueueImport } from '../../src/app/queues.js';
import { exists } from '../../src/triggers/watch-claims.js';
import { isCandidate, startWatchFolder, type WatchFolder, type WatchFolderOptions } from '../../src/triggers/watch-folder.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { csvText, validRows } from './trigger-helpers.js';

describe('watched folder', () => {
  let h: Harness;
  let inbox: string;
  const watchers: WatchFolder[] = [];

  beforeEach(async () => {
    h = await startHarness({ env: { WATCH_DIR: 'inbox' } });
    inbox = h.config.watchDir!;
    await mkdir(inbox);
  });
  afterEach(async () => {
    for (const watcher of watchers.splice(0)) await watcher.close();
    await h.close();
  });

  const startWatcher = async (options: WatchFolderOptions = {}): Promise<WatchFolder> => {
    const watcher = await startWatchFolder(
      { config: h.config, ledger: h.runtime.ledger, queues: h.runtime.queues, log: pino({ level: 'silent' }) },
      { stabilityMs: 500, sweepIntervalMs: 100, ...options },
    );
    watchers.push(watcher);
    return watcher;
  };
  const watchImports = async () => (await h.runtime.ledger.listImports(100)).filter((r) => r.origin === 'watch');
  const arrived = (folder: string, name: string) => eventually(`${folder}/${name}`, () => exists(join(inbox, folder, name)));

  it('imports a slowly copied file once, after it is complete, with two watchers on the folder', async () => {
    await startWatcher();
    const rows = validRows(h, 3, 2);
    const text = csvText(rows);
    const file = await open(join(inbox, 'slow.csv'), 'w');
    for (let i = 0; i < 5; i += 1) {
      // The second watcher starts mid-copy: its first scan finds the file still growing.
      if (i === 2) await startWatcher({ usePolling: true, pollIntervalMs: 50 });
      await file.write(text.slice(Math.floor((i * text.length) / 5), Math.floor(((i + 1) * text.length) / 5)));
      // A pause shorter than stabilityMs: the copy is still in progress.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await file.close();

    // Taken too early, it would end in failed/ (half a header) or in done/ with fewer rows.
    const ended = await eventually('slow.csv in done/ or failed/', async () => (await exists(join(inbox, 'done', 'slow.csv')) ? 'done' : (await exists(join(inbox, 'failed', 'slow.csv'))) && 'failed'));
    expect(ended).toBe('done');
    const report = await h.readReport(join(inbox, 'done', 'slow.report.csv'));
    expect(report.map((line) => line._status)).toEqual(rows.map(() => 'success'));
    expect(h.sim.counters.calls).toBe(3);
    const imports = await watchImports();
    expect(imports).toHaveLength(1);
    expect(imports[0]).toMatchObject({ state: 'done', rows: 6, success: 6, originalPath: join(inbox, 'done', 'slow.csv'), reportPath: join(inbox, 'done', 'slow.report.csv') });
    expect(await exists(join(inbox, 'slow.csv'))).toBe(false);
    const companions = reportPaths(join(inbox, 'done', 'slow.report.csv'));
    expect(await Promise.all([companions.errors, companions.summary].map(exists))).toEqual([true, true]);
    await eventually('an empty processing/', async () => (await readdir(join(inbox, 'processing'))).length === 0);
  });

  it('moves files that cannot be imported to failed/ with a one-line reason, and honours a profile beside the file', async () => {
    // Already there when the watcher starts.
    await writeFile(join(inbox, 'bad.csv'), 'a,b\n1,2\n');
    await writeFile(join(inbox, 'weird.profile.json'), '{ "module": ');
    await writeFile(join(inbox, 'weird.csv'), csvText(validRows(h, 1)));
    const custom = { module: 'Contacts', relatedList: 'Deals', base: { column: 'cid', externalField: 'External_Contact_ID' }, related: { column: 'did', externalField: 'External_Deal_ID' } };
    await writeFile(join(inbox, 'custom.profile.json'), JSON.stringify(custom));
    await writeFile(join(inbox, 'custom.csv'), ['cid,did', ...validRows(h, 1, 2, 5).map((r) => `${r[0]},${r[1]}`)].join('\n') + '\n');
    await writeFile(join(inbox, '.hidden.csv'), 'x\n');
    await writeFile(join(inbox, 'upload.csv.part'), 'x\n');
    await startWatcher();

    await arrived('failed', 'bad.error.txt');
    await arrived('failed', 'bad.csv');
    const badReason = await readFile(join(inbox, 'failed', 'bad.error.txt'), 'utf8');
    expect(badReason).toMatch(/^bad\.csv: missing column\(s\) contact_ext_id, deal_ext_id.*the file has: a, b\n$/);
    await arrived('failed', 'weird.csv');
    const weirdReason = await readFile(join(inbox, 'failed', 'weird.error.txt'), 'utf8');
    expect(weirdReason).toMatch(/^weird\.profile\.json: .*invalid JSON/);
    expect(weirdReason.trim().split('\n')).toHaveLength(1);
    expect(await exists(join(inbox, 'failed', 'weird.profile.json'))).toBe(true);

    await arrived('done', 'custom.csv');
    expect(await exists(join(inbox, 'done', 'custom.profile.json'))).toBe(true);
    const report = await h.readReport(join(inbox, 'done', 'custom.report.csv'));
    expect(report.map((line) => line._status)).toEqual(['success', 'success']);
    expect((await watchImports()).map((r) => r.sourceName)).toEqual(['custom.csv']);
    expect(await exists(join(inbox, '.hidden.csv'))).toBe(true);
    expect(await exists(join(inbox, 'upload.csv.part'))).toBe(true);
  });

  it('suffixes the import id when a name is taken in done/', async () => {
    await startWatcher();
    await writeFile(join(inbox, 'same.csv'), csvText(validRows(h, 1, 1, 10)));
    await arrived('done', 'same.csv');
    await writeFile(join(inbox, 'same.csv'), csvText(validRows(h, 1, 1, 11)));
    const second = await eventually('a second watch import, done', async () => (await watchImports()).find((r) => r.state === 'done' && !r.originalPath?.endsWith('/done/same.csv') && r.originalPath?.includes('/done/')));
    expect(second.originalPath).toBe(join(inbox, 'done', `same.${second.id}.csv`));
    expect(await exists(join(inbox, 'done', `same.${second.id}.report.csv`))).toBe(true);
    expect(await exists(join(inbox, 'done', 'same.report.csv'))).toBe(true);
  });

  it('finishes claims a dead worker left: an ended import is moved out, an unregistered claim is adopted', async () => {
    // Killed after its import ended, before moving the file.
    const ended = join(inbox, 'processing', 'imp-ended-claim');
    await mkdir(ended, { recursive: true });
    await writeFile(join(ended, 'ended.csv'), csvText(validRows(h, 1, 1, 20)));
    const deps = { config: h.config, ledger: h.runtime.ledger, enqueue: (p: Parameters<typeof enqueueImport>[1]) => enqueueImport(h.runtime.queues, p) };
    await registerImport(deps, { file: 'ended.csv', profile: 'contacts-deals', origin: 'watch', cwd: ended, reportPath: 'ended.report.csv', importId: 'imp-ended-claim' });
    await h.waitDone('imp-ended-claim');
    // Killed right after claiming, before registering.
    const orphan = join(inbox, 'processing', 'imp-orphan-claim');
    await mkdir(orphan);
    await writeFile(join(orphan, 'orphan.csv'), csvText(validRows(h, 1, 1, 21)));

    await startWatcher({ orphanAfterMs: 200 });
    await arrived('done', 'ended.csv');
    expect(await exists(join(inbox, 'done', 'ended.report.csv'))).toBe(true);
    await arrived('done', 'orphan.csv');
    expect(await h.runtime.ledger.getImport('imp-orphan-claim')).toMatchObject({ state: 'done', success: 1 });
    expect(h.sim.counters.calls).toBe(2);
  });

  it('takes only *.csv names that are not hidden or partial', () => {
    expect(['a.csv', 'B.CSV', 'x.y.csv'].every(isCandidate)).toBe(true);
    expect(['.a.csv', 'a.csv.part', 'a.csv.tmp', 'a.txt', 'a.profile.json', 'processing'].some(isCandidate)).toBe(false);
  });
});
