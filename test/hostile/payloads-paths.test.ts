/**
 * What test/triggers/queue-trigger.test.ts does not already cover about payloads from other services:
 * report paths (the worker writes there), links to folders, special files, profile files that are not
 * JSON (their content must not be echoed), `__proto__` keys, and payloads that are not objects. Each is
 * refused with one line, nothing is written outside the roots, and the same worker carries on.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportJobPayload } from '../../jobs/import.job.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { runImportJob } from '../helpers/import-jobs.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { CONTACTS_DEALS } from './hostile-helpers.js';

const GOOD = 'contact_ext_id,deal_ext_id,contact_role\nC-0201,D-0201,\n';

describe('queue payloads and paths', () => {
  let h: Harness;
  let root: string;
  let outside: string;
  const outsideDir = useTempDir('relsync-outside-');
  const run = (payload: unknown) => runImportJob(h, payload as ImportJobPayload);
  beforeAll(async () => {
    h = await startHarness();
    root = await realpath(h.dir);
    outside = await realpath(outsideDir.path);
    await writeFile(join(root, 'good.csv'), GOOD);
    await writeFile(join(outside, 'secret.csv'), GOOD);
    await symlink(outside, join(root, 'linked-folder'));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses a reportPath outside REPORT_DIR and IMPORT_ROOT, directly or through a linked folder, and writes nothing there', async () => {
    for (const reportPath of [join(outside, 'pwned.csv'), '../pwned.csv', 'linked-folder/pwned.csv']) {
      const { reason } = await run({ source: { path: 'good.csv' }, profile: 'contacts-deals', reportPath });
      expect(reason).toBe(`reportPath: expected a path under REPORT_DIR (${h.config.reportDir}) or IMPORT_ROOT (${h.dir}), got '${reportPath}'`);
    }
    expect((await readdir(outside)).sort()).toEqual(['secret.csv']);
    expect(h.sim.counters.calls).toBe(0);
  });

  it('writes the report at a reportPath under REPORT_DIR or IMPORT_ROOT, even in folders that do not exist yet', async () => {
    for (const reportPath of [join(h.config.reportDir, 'mine', 'r1.csv'), 'out/r2.csv']) {
      const { summary } = await run({ source: { path: 'good.csv' }, profile: 'contacts-deals', reportPath });
      expect(summary).toMatchObject({ status: 'done', rows: 1, success: 1, reportPath: reportPath.startsWith('/') ? reportPath : join(h.dir, reportPath) });
    }
  });

  it('refuses a source under a linked folder that leads outside IMPORT_ROOT', async () => {
    const { reason } = await run({ source: { path: 'linked-folder/secret.csv' }, profile: 'contacts-deals' });
    expect(reason).toBe(`source.path: 'linked-folder/secret.csv' leads outside IMPORT_ROOT (${h.dir}) through a link`);
  });

  it('reads a profile file named by a payload only under IMPORT_ROOT, directly or through a link', async () => {
    await writeFile(join(outside, 'profile.json'), JSON.stringify(CONTACTS_DEALS));
    for (const profile of [join(outside, 'profile.json'), '../profile.json']) {
      const { reason } = await run({ source: { path: 'good.csv' }, profile });
      expect(reason).toBe(`profile: expected a file under IMPORT_ROOT (${h.dir}), got '${profile}'`);
    }
    const linked = await run({ source: { path: 'good.csv' }, profile: 'linked-folder/profile.json' });
    expect(linked.reason).toBe(`profile: 'linked-folder/profile.json' leads outside IMPORT_ROOT (${h.dir}) through a link`);
    await writeFile(join(root, 'inside.profile.json'), JSON.stringify(CONTACTS_DEALS));
    const inside = await run({ source: { path: 'good.csv' }, profile: 'inside.profile.json' });
    expect(inside.summary).toMatchObject({ status: 'done', success: 1 });
    const misspelt = await run({ source: { path: 'good.csv' }, profile: 'contacts-dealz' });
    expect(misspelt.reason).toMatch(/^contacts-dealz: no such profile: not a built-in \(contacts-deals, campaigns-contacts, .*, appointments-services\) and no such file/);
  });

  it('refuses a folder, a FIFO (without hanging on it) and a missing file', async () => {
    await mkdir(join(root, 'a-folder.csv'));
    expect(spawnSync('mkfifo', [join(root, 'a-fifo.csv')]).status).toBe(0);
    expect((await run({ source: { path: 'a-folder.csv' }, profile: 'contacts-deals' })).reason).toBe(`${join(root, 'a-folder.csv')}: expected a CSV file, got a folder`);
    expect((await run({ source: { path: 'a-fifo.csv' }, profile: 'contacts-deals' })).reason).toBe(`${join(root, 'a-fifo.csv')}: expected a CSV file, got a special file`);
    expect((await run({ source: { path: 'nope.csv' }, profile: 'contacts-deals' })).reason).toBe('nope.csv: file not found under IMPORT_ROOT');
  });

  it('names a profile file that is not JSON without echoing its content', async () => {
    await writeFile(join(root, 'credentials.txt'), 'password=hunter2-do-not-echo\n');
    await writeFile(join(root, 'almost.json'), '{"module": "Contacts", "token": hunter2-do-not-echo}');
    expect((await run({ source: { path: 'good.csv' }, profile: 'credentials.txt' })).reason).toBe("credentials.txt: line 1 column 1: invalid JSON: Unexpected token 'p'");
    expect((await run({ source: { path: 'good.csv' }, profile: 'almost.json' })).reason).toBe("almost.json: line 1 column 33: invalid JSON: Unexpected token 'h'");
  });

  it('refuses a __proto__ key in the payload and in a profile object, naming it, and pollutes no prototype', async () => {
    const payload = JSON.parse('{"source":{"path":"good.csv"},"profile":"contacts-deals","__proto__":{"polluted":"yes"}}') as unknown;
    expect((await run(payload)).reason).toBe('invalid import payload: payload: unknown key(s) __proto__');
    // Passed to the worker as sent (no longer dropped on the way), and refused there like any profile's.
    const profile = JSON.parse('{"module":"Contacts","relatedList":"Deals","base":{"column":"contact_ext_id","externalField":"External_Contact_ID"},"related":{"column":"deal_ext_id","externalField":"External_Deal_ID"},"__proto__":{"polluted":"yes"}}') as unknown;
    expect((await run({ source: { path: 'good.csv' }, profile })).reason).toBe("payload.profile: __proto__: expected a key other than __proto__, constructor or prototype, got '__proto__'");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses payloads that are not objects, or whose sources are not what they say', async () => {
    expect((await run('import this')).reason).toBe("invalid import payload: payload: expected object, got 'import this'");
    expect((await run({ source: { csv: 42 }, profile: 'contacts-deals' })).reason).toBe('invalid import payload: source: expected { "path": "…" } or { "csv": "…" }, got an object');
    expect((await run({ source: { path: 'good.csv', csv: GOOD }, profile: 'contacts-deals' })).reason).toBe('invalid import payload: source: expected { "path": "…" } or { "csv": "…" }, got an object');
  });

  it('answers inline CSV that is empty, or lacks a column, with the line that says so', async () => {
    const empty = await run({ source: { csv: '' }, profile: 'contacts-deals' });
    expect(empty.reason).toBe(`${join(h.config.reportDir, '.spool', `${empty.importId}.csv`)}: the file is empty; expected a header line`);
    const lacking = await run({ source: { csv: 'contact_ext_id;deal_ext_id\nC-1;D-1\n' }, profile: CONTACTS_DEALS as unknown as Record<string, unknown> });
    expect(lacking.reason).toBe('inline CSV: missing column(s) contact_role for the profile; the file has: contact_ext_id, deal_ext_id');
  });

  it('still imports a good file afterwards', async () => {
    expect((await run({ source: { path: 'good.csv' }, profile: 'contacts-deals' })).summary).toMatchObject({ status: 'done', rows: 1, success: 1 });
  });
});
