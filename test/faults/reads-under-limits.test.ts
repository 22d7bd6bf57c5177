/**
 * The calls relsync makes outside a sync job — a mirror's reads of the current links, the lookup
 * tables' reads — are held to the same org-wide cap (ZOHO_CONCURRENCY) and the same credit budget
 * (ZOHO_DAILY_CREDITS) as the sync calls. The oracle is the simulator: its highest number of calls in
 * flight, its 429s, and the credits it charged within its window, set to ours.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { ImportMode } from '../../jobs/import.job.js';
import { registrationFor } from '../../src/app/queues.js';
import { runCheck } from '../../src/cli/commands/check-command.js';
import { runDryRun } from '../../src/cli/commands/dry-run-command.js';
import type { ImportRecord } from '../../src/ledger/run-ledger.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { captureIO } from '../helpers/cli-io.js';
import { useCleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role'];

function records(h: Harness) {
  return {
    contacts: h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID)),
    deals: h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID)),
    role: h.sim.dataset.contactRoles[0]!,
  };
}

async function importWith(h: Harness, file: string, mode: ImportMode): Promise<string> {
  const { importId } = await registerImport(registrationFor(h.config, h.runtime), { file, profile: 'contacts-deals', origin: 'cli', cwd: h.dir, mode, allowRemovals: true });
  return importId;
}

/** Contacts `from` … `from + count - 1`, contact n linked to deal n with the first role (by id). */
async function seed(h: Harness, from: number, count: number): Promise<void> {
  const { contacts, deals, role } = records(h);
  const rows = contacts.slice(from, from + count).map((c, i) => [c.External_Contact_ID, deals[from + i]!.External_Deal_ID, role.id]);
  expect(await h.waitDone(await h.importFile(await h.writeCsv(`seed-${from}.csv`, [HEADER, ...rows])))).toMatchObject({ state: 'done', success: count });
}

describe('reads under the cap and the budget', () => {
  const closeAfter = useCleanup();

  it('a mirror of many base records planned beside a link import, on two workers: never more calls in flight than ZOHO_CONCURRENCY, and no 429', async () => {
    const h = closeAfter(await startHarness({ sim: { concurrency: 3, latencyMs: 15 }, env: { ZOHO_CONCURRENCY: '3' } }));
    await h.startWorkerRuntime();
    await seed(h, 0, 60);
    h.sim.resetCounters();
    const { contacts, deals, role } = records(h);
    // The mirror keeps each of the 60 contacts' link and adds one (60 reads, 60 PUTs); the link
    // import names its roles by name (a lookup read) and makes 300 calls meanwhile.
    const mirrorRows = contacts.slice(0, 60).flatMap((c, i) => [[c.External_Contact_ID, deals[i]!.External_Deal_ID, role.id], [c.External_Contact_ID, deals[100 + i]!.External_Deal_ID, role.name]]);
    const linkRows = contacts.slice(100, 400).map((c, i) => [c.External_Contact_ID, deals[i]!.External_Deal_ID, role.name]);
    const [link, mirror] = await Promise.all([
      h.importFile(await h.writeCsv('link.csv', [HEADER, ...linkRows])),
      importWith(h, await h.writeCsv('mirror.csv', [HEADER, ...mirrorRows]), 'mirror'),
    ]);
    expect(await h.waitDone(link)).toMatchObject({ state: 'done', success: 300, error: 0 });
    expect(await h.waitDone(mirror)).toMatchObject({ state: 'done', success: 60, skipped: 60, error: 0 });
    const sim = h.sim.counters;
    // 60 link reads, and each import's roles read once.
    expect(sim.metadataReads.contactRoles).toBe(2);
    expect(sim.byMethod).toMatchObject({ GET: 60 + 2 });
    expect(sim.maxInFlight).toBeLessThanOrEqual(3);
    expect(sim.tooManyRequests).toEqual({ concurrency: 0, credits: 0 });
    // Every slot a read held is given back: the sync queue's cap is whole again.
    expect(await h.runtime.queues.sync.getGlobalConcurrency()).toBe(3);
  });

  it('a mirror whose reads meet a spent ZOHO_DAILY_CREDITS budget pauses with the reason while planning, then goes on; Zoho never charges more than the budget in its window', async () => {
    const windowMs = 3_000;
    const h = closeAfter(await startHarness({
      sim: { credits: 5, creditWindowMs: windowMs },
      env: { ZOHO_DAILY_CREDITS: '5', RELSYNC_CREDIT_WINDOW_MS: String(windowMs), RELSYNC_PAUSE_PROBE_MS: '200', ZOHO_CONCURRENCY: '2' },
    }));
    await seed(h, 0, 4);
    await seed(h, 4, 4);
    await seed(h, 8, 4);
    // A fresh window on both sides: the seeds' credits are forgotten by our budget and by Zoho.
    const redis = new Redis(h.config.redisUrl);
    await redis.del(`${h.config.prefix}:credits:buckets`);
    await redis.quit();
    // Zoho counts a call when it arrives, we when we send it: on a loaded machine a call can reach Zoho
    // a little after its credit was taken, so Zoho's window here is 0.5 s shorter than ours. A read
    // that skips our budget still meets a credits 429 (13 reads within seconds, 5 allowed).
    h.sim.setOptions({ credits: 5, creditWindowMs: windowMs - 500 });
    await new Promise((resolve) => setTimeout(resolve, windowMs + 100));
    h.sim.resetCounters();
    // 12 contacts, each keeping its link, the role by name: 1 lookup read and 12 link reads, no write.
    const { contacts, deals, role } = records(h);
    const rows = contacts.slice(0, 12).map((c, i) => [c.External_Contact_ID, deals[i]!.External_Deal_ID, role.name]);
    const id = await importWith(h, await h.writeCsv('mirror.csv', [HEADER, ...rows]), 'mirror');
    const paused = await eventually('the mirror to wait for credits while planning', async () => {
      const r = await h.runtime.ledger.getImport(id);
      return r?.pausedReason ? r : undefined;
    }, { timeoutMs: 20_000 });
    expect(paused.state).toBe('ingesting');
    expect(paused.pausedReason).toMatch(/ZOHO_DAILY_CREDITS budget of 5 credits per 24 h is used up; the next credit frees at \d{4}-/);
    const record: ImportRecord = await h.waitDone(id);
    expect(record).toMatchObject({ state: 'done', rows: 12, skipped: 12, error: 0, plannedRemovals: 0 });
    expect(record.pausedReason).toBeUndefined();
    const sim = h.sim.counters;
    expect(sim.metadataReads.contactRoles).toBe(1);
    expect(sim.byMethod).toMatchObject({ GET: 12 + 1 });
    // Zoho's window is ours: one call over the budget in any window would have been a credits 429.
    expect(sim.tooManyRequests.credits).toBe(0);
    expect(sim.creditsUsed).toBe(13);
  });

  it('relsync check and the dry-run preview take their credits from the same budget, and say in one line when it is spent instead of waiting', async () => {
    const h = closeAfter(await startHarness({ env: { ZOHO_DAILY_CREDITS: '3' } }));
    const { contacts, deals } = records(h);
    // 5 contacts to read, 3 credits: the fourth read is refused before it is sent.
    const file = await h.writeCsv('preview.csv', [HEADER, ...contacts.slice(0, 5).map((c, i) => [c.External_Contact_ID, deals[i]!.External_Deal_ID, ''])]);
    await expect(runDryRun(captureIO(h.dir), h.config, file, { profile: 'contacts-deals', mode: 'mirror' }))
      .rejects.toMatchObject({ name: 'UserError', code: 'CREDIT_BUDGET', message: expect.stringMatching(/^reading the current links: ZOHO_DAILY_CREDITS budget of 3 credits per 24 h is used up/) });
    expect(h.sim.counters.byMethod).toEqual({ GET: 3 });
    const io = captureIO(h.dir);
    expect(await runCheck(io, h.config, { profile: 'contacts-deals' })).toBe(1);
    expect(io.err()).toMatch(/^✗ ZOHO_DAILY_CREDITS: ZOHO_DAILY_CREDITS budget of 3 credits per 24 h is used up; the next credit frees at \S+ — run relsync check again then, or raise ZOHO_DAILY_CREDITS$/m);
    expect(h.sim.counters.calls).toBe(3);
  });
});
