/**
 * Same content twice: within RELSYNC_DEDUP_WINDOW_S, the same bytes with the same profile are one
 * import whichever triggers bring them, and every trigger learns its id; `force` makes a new one.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registrationFor } from '../../src/app/queues.js';
import { exists } from '../../src/triggers/watch-claims.js';
import { startWatchFolder, type WatchFolder } from '../../src/triggers/watch-folder.js';
import { BUILTIN_PROFILES } from '../../src/profile/profile.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { runImportJob } from '../helpers/import-jobs.js';
import { csvText, validRows } from './trigger-helpers.js';

describe('same content twice', () => {
  let h: Harness;
  let watcher: WatchFolder | undefined;
  beforeEach(async () => {
    h = await startHarness({ env: { RELSYNC_DEDUP_WINDOW_S: '3600', WATCH_DIR: 'inbox' } });
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await h.close();
  });

  const register = (file: string, force?: boolean) => registerImport(
    registrationFor(h.config, h.runtime),
    { file, profile: 'contacts-deals', origin: 'cli', cwd: h.dir, force },
  );

  it('folds a queued job with the same content into the CLI import, and the job returns that import', async () => {
    const rows = validRows(h, 3, 2);
    const file = await h.writeCsv('pairs.csv', [['contact_ext_id', 'deal_ext_id', 'contact_role'], ...rows]);
    const first = await register(file);
    expect(first.duplicate).toBe(false);
    // The same bytes inline, with the same profile given as an object rather than by name.
    const { name: _name, ...profile } = BUILTIN_PROFILES['contacts-deals']!;
    const { summary } = await runImportJob(h, { source: { csv: await readFile(file, 'utf8') }, profile });
    expect(summary).toMatchObject({ importId: first.importId, status: 'done', rows: 6, success: 6 });
    expect(h.sim.counters.calls).toBe(3);
    expect((await h.runtime.ledger.listImports(10)).map((r) => r.id)).toEqual([first.importId]);

    // Registering it again learns the same id; forcing makes a new import.
    expect(await register(file)).toMatchObject({ importId: first.importId, duplicate: true });
    const forced = await register(file, true);
    expect(forced.importId).not.toBe(first.importId);
    expect(await h.waitDone(forced.importId)).toMatchObject({ state: 'done', success: 6 });
    expect(h.sim.counters.calls).toBe(6);
  });

  it('lets the same content through again once its import was cancelled or aborted: running it again is the fix', async () => {
    const file = await h.writeCsv('stopped.csv', [['contact_ext_id', 'deal_ext_id', 'contact_role'], ...validRows(h, 2, 1, 50)]);
    const first = await register(file);
    await h.runtime.ledger.stopImport(first.importId, 'CANCELLED', 'cancelled for the test');
    const again = await register(file);
    expect(again).toMatchObject({ duplicate: false });
    expect(again.importId).not.toBe(first.importId);
    expect(await register(file)).toMatchObject({ importId: again.importId, duplicate: true });
  });

  it('gives the watched folder and the CLI one import id for the same content', async () => {
    const inbox = h.config.watchDir!;
    await mkdir(inbox);
    watcher = await startWatchFolder({ config: h.config, ledger: h.runtime.ledger, queues: h.runtime.queues, log: pino({ level: 'silent' }) }, { stabilityMs: 100, sweepIntervalMs: 100 });
    const content = csvText(validRows(h, 2, 1, 30));
    await writeFile(join(inbox, 'drop.csv'), content);
    const watched = await eventually('the watch import', async () => (await h.runtime.ledger.listImports(10)).find((r) => r.origin === 'watch'));

    await writeFile(join(h.dir, 'copy.csv'), content);
    expect(await register(join(h.dir, 'copy.csv'))).toMatchObject({ importId: watched.id, duplicate: true });

    // The same file dropped again: not imported again; done/ says which import it was.
    await eventually('done/drop.csv', () => exists(join(inbox, 'done', 'drop.csv')));
    await copyFile(join(h.dir, 'copy.csv'), join(inbox, 'again.csv'));
    await eventually('done/again.csv', () => exists(join(inbox, 'done', 'again.csv')));
    expect(await readFile(join(inbox, 'done', 'again.duplicate.txt'), 'utf8')).toContain(`same content and profile as import ${watched.id} (drop.csv`);
    expect(h.sim.counters.calls).toBe(2);
    expect((await h.runtime.ledger.listImports(10)).map((r) => r.id)).toEqual([watched.id]);
  });
});
