/**
 * `relsync state show|clear [--profile P]` and the incremental dry run, against the state a real
 * import left (worker runtime in process, simulator over HTTP, real Redis).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registrationFor } from '../../src/app/queues.js';
import { runDryRun } from '../../src/cli/commands/dry-run-command.js';
import { runStateClear, runStateShow } from '../../src/cli/commands/state-command.js';
import { dayOf, syncTargetOf } from '../../src/plan/pair-state.js';
import { BUILTIN_PROFILES } from '../../src/profile/profile.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { captureIO } from '../helpers/cli-io.js';
import { startHarness, useHarnessForAll } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';

const DAY_MS = 86_400_000;

describe('relsync state and the incremental dry run', () => {
  const harness = useHarnessForAll(() => startHarness());

  it('shows the pairs held, their memory and the oldest confirmation; the dry run counts new, changed, unchanged and expired; clear forgets them', async () => {
    const h = harness();
    const file = await writePairs(h.sim, h.dir, 20, 2);
    const record = await h.waitDone((await registerImport(registrationFor(h.config, h.runtime), { file: file.path, profile: 'contacts-deals', origin: 'cli', cwd: h.dir })).importId);
    expect(record.success).toBe(40);
    const target = syncTargetOf(h.config.zoho, BUILTIN_PROFILES['contacts-deals']!);

    const show = captureIO(h.dir);
    expect(await runStateShow(show, h.config, { profile: 'contacts-deals', now: () => Date.now() + 2 * DAY_MS })).toBe(0);
    const today = new Date(dayOf(Date.now()) * DAY_MS).toISOString().slice(0, 10);
    expect(show.out()).toMatch(new RegExp(`^target ${target.id}  Contacts / Deals  \\(External_Contact_ID, Deals.External_Deal_ID\\)  https://www.zohoapis.com\\n  pairs held: 40   memory: \\d+\\.\\d MB \\(\\d+ bytes per pair\\)   oldest confirmation: ${today} \\(2 day\\(s\\) ago\\)\\n$`));
    const json = captureIO(h.dir);
    await runStateShow(json, h.config, { json: true });
    expect(JSON.parse(json.out())).toEqual([expect.objectContaining({ pairs: 40, oldestConfirmation: today, target: expect.objectContaining({ id: target.id }) })]);

    // Same file, with one role changed and one new pair: an incremental run would send 2 and skip 39.
    const rows = (await readFile(file.path, 'utf8')).trim().split('\n');
    const [contact, deal, role] = rows[1]!.split(',');
    const otherRole = h.sim.dataset.contactRoles.find((r) => r.id !== role)!.id;
    const edited = [rows[0], `${contact},${deal},${otherRole}`, ...rows.slice(2), `${contact},D-NEW-1,${role}`].join('\n');
    await writeFile(join(h.dir, 'edited.csv'), `${edited}\n`);
    const dry = captureIO(h.dir);
    expect(await runDryRun(dry, h.config, 'edited.csv', { profile: 'contacts-deals', incremental: true })).toBe(0);
    expect(dry.out()).toContain('  incremental:           1 new, 1 changed, 0 expired (not confirmed for 7 days): sent; 39 unchanged (skipped)\n');
    expect(dry.out()).toContain('  valid, to send:        2\n');
    expect(dry.out()).toContain('  API calls:             1 (at most 100 entries each)\n');
    const later = captureIO(h.dir);
    await runDryRun(later, h.config, 'edited.csv', { profile: 'contacts-deals', incremental: true, now: () => Date.now() + 7 * DAY_MS });
    expect(later.out()).toContain('  incremental:           1 new, 1 changed, 39 expired (not confirmed for 7 days): sent; 0 unchanged (skipped)\n');

    const clear = captureIO(h.dir);
    expect(await runStateClear(clear, h.config, { profile: 'contacts-deals' })).toBe(0);
    expect(clear.out()).toBe('cleared the incremental sync state of contacts-deals: 40 pair(s) forgotten; the next incremental import sends every pair\n');
    const empty = captureIO(h.dir);
    await runStateShow(empty, h.config, {});
    expect(empty.out()).toBe('no incremental sync state\n');
  });
});
