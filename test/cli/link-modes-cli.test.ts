/**
 * `--mode`, `--allow-removals` and `undo` as a user runs them: real `relsync` processes against a real
 * Redis, a worker and the simulator (docs/contract.md#modes, docs/contract.md#exit-codes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { associationKey } from '../helpers/pairs.js';
import { startRelsync } from '../helpers/relsync-process.js';

interface Run { code: number | string; stdout: string; stderr: string }

async function relsync(h: Harness, args: string[]): Promise<Run> {
  const run = startRelsync(args, { ...h.env, LOG_LEVEL: 'warn' });
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('relsync import --mode, undo', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('a mirror over the removal guard exits 1 with one line and writes nothing; --allow-removals runs it; undo of a link import removes what it added', async () => {
    const c = h.sim.dataset.contacts.find((x) => x.External_Contact_ID === 'C-0020')!;
    const deals = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID)).slice(0, 6);
    const header = ['contact_ext_id', 'deal_ext_id', 'contact_role'];
    const seed = await h.writeCsv('seed.csv', [header, ...deals.slice(0, 5).map((d) => [c.External_Contact_ID, d.External_Deal_ID, ''])]);
    const linked = await relsync(h, ['import', seed, '--wait']);
    expect(linked.code).toBe(0);
    const links = () => new Set(h.sim.associations().filter((a) => a.contactId === c.id).map((a) => associationKey(a.contactId, a.dealId, a.contactRoleId)));
    const before = links();

    const truncated = await h.writeCsv('truncated.csv', [header, [c.External_Contact_ID, deals[0]!.External_Deal_ID, ''], [c.External_Contact_ID, deals[5]!.External_Deal_ID, '']]);
    const stopped = await relsync(h, ['import', truncated, '--mode', 'mirror', '--wait']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('mirror stopped before its first DELETE: it would remove 4 of the 5 current links (80%)');
    expect(stopped.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(links()).toEqual(before);

    const allowed = await relsync(h, ['import', truncated, '--mode', 'mirror', '--allow-removals', '--wait']);
    expect(allowed.code).toBe(0);
    expect(links()).toEqual(new Set([associationKey(c.id, deals[0]!.id, null), associationKey(c.id, deals[5]!.id, null)]));
    const status = await relsync(h, ['status', allowed.stdout.trim(), '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ mode: 'mirror', removals: { planned: 4, success: 4, error: 0, skipped: 0 } });

    const relink = await relsync(h, ['import', seed, '--wait']); // 1 found (updated), 4 added
    expect(relink.code).toBe(0);
    const undo = await relsync(h, ['undo', relink.stdout.trim(), '--wait']);
    expect(undo.code).toBe(0);
    expect(undo.stderr).toContain(`undoing ${relink.stdout.trim()} as ${undo.stdout.trim()}: removing the 4 link(s) it added; the 1 pair(s) it found already linked stay`);
    expect(links()).toEqual(new Set([associationKey(c.id, deals[0]!.id, null), associationKey(c.id, deals[5]!.id, null)]));

    const bogus = await relsync(h, ['import', seed, '--mode', 'delete']);
    expect(bogus.code).toBe(1);
    expect(bogus.stderr.trim().split('\n')[0]).toMatch(/--mode <mode>.*'delete' is invalid.*link, unlink, mirror/);
  });
});
