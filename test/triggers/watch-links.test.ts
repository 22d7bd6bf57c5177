/**
 * The watched folder refuses links: a symlink or hard link dropped in WATCH_DIR (as the CSV or as its
 * `<stem>.profile.json`) must not make the worker read the file it points to. Real files, links and
 * folders, real Redis, the simulator and the real worker runtime; the outside files hold a marker that
 * must appear nowhere: not in done/ or failed/, not in the error line, not in the logs, not at Zoho.
 */
import { link, lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exists } from '../../src/triggers/watch-claims.js';
import { startWatchFolder, type WatchFolder } from '../../src/triggers/watch-folder.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { eventually } from '../helpers/eventually.js';
import { HEADER, validRows } from './trigger-helpers.js';

const MARKER = 'TOPSECRET';

describe('watched folder and links', () => {
  let h: Harness;
  let inbox: string;
  let outside: string;
  let watcher: WatchFolder | undefined;
  let logs = '';

  beforeEach(async () => {
    h = await startHarness({ env: { WATCH_DIR: 'inbox' } });
    inbox = h.config.watchDir!;
    outside = join(h.dir, 'outside');
    await Promise.all([mkdir(inbox), mkdir(outside)]);
    logs = '';
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await h.close();
  });

  const startWatcher = async (): Promise<void> => {
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void (logs += chunk.toString())) });
    watcher = await startWatchFolder(
      { config: h.config, ledger: h.runtime.ledger, queues: h.runtime.queues, log: pino({ level: 'trace' }, sink) },
      { stabilityMs: 200, sweepIntervalMs: 100 },
    );
  };
  /** Valid for contacts-deals: followed, its rows would be sent to Zoho and its cells copied into the report. */
  const importableCsv = (offset: number): string =>
    [HEADER, ...validRows(h, 2, 1, offset).map(([c, d]) => [c, d, `${MARKER}-role`])].map((cells) => cells.join(',')).join('\n') + '\n';
  const failedReason = async (stem: string): Promise<string> => {
    await eventually(`failed/${stem}.csv`, () => exists(join(inbox, 'failed', `${stem}.csv`)).then((found) => found || lstat(join(inbox, 'failed', `${stem}.csv`)).then(() => true, () => false)));
    return readFile(join(inbox, 'failed', `${stem}.error.txt`), 'utf8');
  };

  it('moves a symlinked CSV, a hard-linked CSV and a symlinked profile to failed/ unread, each with one line', async () => {
    // Followed, these would have been imported (rows to Zoho) or quoted (a header in the error line).
    await writeFile(join(outside, 'pairs.csv'), importableCsv(0));
    await writeFile(join(outside, 'passwd'), `root:x:0:0:${MARKER}:/root:/bin/bash\ndaemon:x:1:1:${MARKER}:/usr/sbin:/usr/sbin/nologin\n`);
    await writeFile(join(outside, 'hard.csv'), importableCsv(2));
    const profile = { module: 'Contacts', relatedList: 'Deals', base: { column: 'contact_ext_id', externalField: 'External_Contact_ID' }, related: { column: 'deal_ext_id', externalField: 'External_Deal_ID' }, name: MARKER };
    await writeFile(join(outside, 'profile.json'), JSON.stringify(profile));
    await mkdir(join(inbox, 'sub'));
    await writeFile(join(inbox, 'sub', 'inner.csv'), importableCsv(4));

    await symlink(join(outside, 'pairs.csv'), join(inbox, 'pairs.csv'));
    await symlink('../outside/passwd', join(inbox, 'passwd.csv'));
    await link(join(outside, 'hard.csv'), join(inbox, 'hard.csv'));
    await symlink(join(inbox, 'sub', 'inner.csv'), join(inbox, 'inner.csv')); // even a link that stays inside
    await symlink(join(outside, 'profile.json'), join(inbox, 'withprofile.profile.json'));
    await writeFile(join(inbox, 'withprofile.csv'), importableCsv(6));
    await startWatcher();

    expect(await failedReason('pairs')).toMatch(/^pairs\.csv: refused: a symbolic link; links are refused in WATCH_DIR \(copy the file itself in\)\n$/);
    expect(await failedReason('passwd')).toMatch(/^passwd\.csv: refused: a symbolic link; links are refused/);
    expect(await failedReason('hard')).toMatch(/^hard\.csv: refused: a hard link \(the file has 2 names\); links are refused/);
    expect(await failedReason('inner')).toMatch(/^inner\.csv: refused: a symbolic link; links are refused/);
    expect(await failedReason('withprofile')).toMatch(/^withprofile\.profile\.json: refused: a symbolic link; links are refused/);
    // The links themselves were moved, never what they point to.
    expect((await lstat(join(inbox, 'failed', 'pairs.csv'))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(inbox, 'failed', 'withprofile.profile.json'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(outside, 'passwd'), 'utf8')).toContain(MARKER);

    const failed = await readdir(join(inbox, 'failed'));
    expect(failed.filter((name) => /\.(report|errors)\.csv$|\.summary\.json$/.test(name))).toEqual([]);
    expect(await readdir(join(inbox, 'done'))).toEqual([]);
    for (const name of failed.filter((n) => n.endsWith('.error.txt'))) {
      expect(await readFile(join(inbox, 'failed', name), 'utf8')).not.toContain(MARKER);
    }
    expect(logs).toContain('links are refused');
    expect(logs).not.toContain(MARKER);
    expect(logs).not.toContain(outside);
    expect(h.sim.counters.calls).toBe(0);
    expect(await h.runtime.ledger.listImports(10)).toEqual([]);
  });

  it('still imports a plain file dropped beside a refused link', async () => {
    await writeFile(join(outside, 'pairs.csv'), importableCsv(0));
    await symlink(join(outside, 'pairs.csv'), join(inbox, 'link.csv'));
    await writeFile(join(inbox, 'plain.csv'), importableCsv(8).replaceAll(`${MARKER}-role`, ''));
    await startWatcher();
    await failedReason('link');
    await eventually('done/plain.csv', () => exists(join(inbox, 'done', 'plain.csv')));
    const report = await h.readReport(join(inbox, 'done', 'plain.report.csv'));
    expect(report.map((line) => line._status)).toEqual(['success', 'success']);
    expect(h.sim.counters.calls).toBe(2);
  });

  it('refuses a file whose real location is outside WATCH_DIR (processing/ made a link to elsewhere)', async () => {
    await symlink(outside, join(inbox, 'processing'));
    await writeFile(join(inbox, 'moved.csv'), importableCsv(10));
    await startWatcher();
    expect(await failedReason('moved')).toMatch(/^moved\.csv: refused: its real location is outside WATCH_DIR; links are refused/);
    expect(h.sim.counters.calls).toBe(0);
  });
});
