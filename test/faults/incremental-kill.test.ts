/**
 * The incremental sync state is written in the same step as a row's outcome: a worker process killed
 * with SIGKILL mid-import leaves no success without its state and no state without its success, and
 * every pair the state holds is a link Zoho (the simulator) holds, with the fields remembered. An
 * ingest cut short while it marks the unchanged rows (recordMarked) runs again to the same end: each
 * row one outcome, counted once, and the same calls.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { registrationFor } from '../../src/app/queues.js';
import type { SyncCallsPayload } from '../../jobs/sync-calls.job.js';
import { RunLedger, type MarkedOutcomes } from '../../src/ledger/run-ledger.js';
import { bucketKey, SyncStateStore } from '../../src/ledger/sync-state.js';
import { dayOf, fieldsDigest, pairField, syncTargetOf } from '../../src/plan/pair-state.js';
import { BUILTIN_PROFILES } from '../../src/profile/profile.js';
import { ingestImport, type IngestDeps } from '../../src/usecases/ingest-import.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { eventually } from '../helpers/eventually.js';
import { startProcessHarness, type ProcessHarness } from '../helpers/harness.js';
import { associationKey, associationsOf, writePairs } from '../helpers/pairs.js';
import { testPrefix, useRedis } from '../helpers/redis.js';
import { useTempDir } from '../helpers/temp-dir.js';

const FAST_RECOVERY = { RELSYNC_LOCK_DURATION_MS: '2000', RELSYNC_STALLED_INTERVAL_MS: '1000', RELSYNC_SHUTDOWN_TIMEOUT_MS: '10000' };

interface FileRow { row: number; contact: string; deal: string; role: string }

/** Every pair the state holds, by its field in its bucket: the bucket key and field → the value. */
async function stateOf(s: ProcessHarness): Promise<Map<string, string>> {
  const target = syncTargetOf(s.config.zoho, BUILTIN_PROFILES['contacts-deals']!);
  const held = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await s.runtime.redis.scan(cursor, 'MATCH', bucketKey(s.config.prefix, target.id, '*'), 'COUNT', 1_000);
    cursor = next;
    for (const key of keys) for (const [field, value] of Object.entries(await s.runtime.redis.hgetall(key))) held.set(`${key}/${field}`, value);
  } while (cursor !== '0');
  return held;
}

/**
 * Both directions at once: each row's success has its pair in the state, with its role's digest; each
 * pair in the state belongs to a row that succeeded and is a link the simulator holds with that role.
 */
async function checkStateAgainstOutcomes(s: ProcessHarness, importId: string, rows: FileRow[]): Promise<{ successes: number; held: number }> {
  const target = syncTargetOf(s.config.zoho, BUILTIN_PROFILES['contacts-deals']!);
  const held = await stateOf(s);
  const outcomes = await s.runtime.ledger.getOutcomes(importId, rows.map((r) => r.row));
  const links = associationsOf(s.sim);
  const contactId = new Map(s.sim.dataset.contacts.map((c) => [c.External_Contact_ID, c.id]));
  const dealId = new Map(s.sim.dataset.deals.map((d) => [d.External_Deal_ID, d.id]));
  let successes = 0;
  const explained = new Set<string>();
  rows.forEach((r, i) => {
    const key = `${bucketKey(s.config.prefix, target.id, '')}`;
    const where = [...held.keys()].find((k) => k.startsWith(key) && k.endsWith(`/${pairField(r.contact, r.deal)}`));
    if (outcomes[i]?.status === 'success') {
      successes += 1;
      expect(where, `row ${r.row} succeeded without its state`).toBeDefined();
      expect(held.get(where!)!.slice(3)).toBe(fieldsDigest({ Contact_Role: r.role }));
      expect(links.has(associationKey(contactId.get(r.contact)!, dealId.get(r.deal)!, r.role))).toBe(true);
      explained.add(where!);
    } else {
      expect(where, `row ${r.row} has state without a success (${outcomes[i]?.code ?? 'no outcome yet'})`).toBeUndefined();
    }
  });
  expect([...held.keys()].filter((k) => !explained.has(k))).toEqual([]);
  return { successes, held: held.size };
}

describe('incremental sync state under SIGKILL', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('a worker killed mid-import leaves no success without state and no state without success, checked against the simulator', async () => {
    const s = await startProcessHarness({ sim: { latencyMs: 60, jitterMs: 20, lostResponseRate: 0.05, failRate: 0.05 }, env: { ...FAST_RECOVERY, ZOHO_CONCURRENCY: '6' } });
    cleanups.push(() => s.close());
    const [victim] = await s.spawnWorkers(1);
    const file = await writePairs(s.sim, s.dir, 200, 3);
    const rows: FileRow[] = (await readFile(file.path, 'utf8')).trim().split('\n').slice(1).map((line, i) => {
      const [contact, deal, role] = line.split(',');
      return { row: i + 1, contact: contact!, deal: deal!, role: role! };
    });
    const { importId } = await registerImport(registrationFor(s.config, s.runtime), { file: file.path, profile: 'contacts-deals', origin: 'cli', cwd: s.dir, incremental: true });
    await eventually('calls in flight', () => s.sim.counters.calls > 40 && s.sim.counters.inFlight > 0);
    victim!.kill('SIGKILL');
    expect(await victim!.exited).toBe('SIGKILL');
    // Cut mid-import: whatever was written, outcome and state agree.
    const mid = await checkStateAgainstOutcomes(s, importId, rows);
    expect(mid.successes).toBeGreaterThan(0);
    expect(mid.successes).toBeLessThan(rows.length);
    await s.spawnWorkers(1);
    const record = await s.waitDone(importId);
    expect(record).toMatchObject({ state: 'done', success: rows.length, error: 0 });
    expect(await checkStateAgainstOutcomes(s, importId, rows)).toEqual({ successes: rows.length, held: rows.length });
    expect(associationsOf(s.sim)).toEqual(file.associations);
  });
});

describe('incremental ingest cut short while it marks the unchanged rows', () => {
  const redis = useRedis();
  const tmp = useTempDir('relsync-incr-cut-');
  const profile = BUILTIN_PROFILES['contacts-deals']!;
  const target = syncTargetOf({ dc: 'us' }, profile);
  const TODAY = dayOf(Date.UTC(2026, 10, 30));
  const LIMITS = { maxRows: 1_000_000, maxFieldBytes: 1 << 20 };

  it('runs again to the same end: every row one outcome (UNCHANGED for the unchanged), counted once, and the same calls', async () => {
    const prefix = testPrefix();
    const ledger = new RunLedger(redis.client(), prefix);
    const state = new SyncStateStore(redis.client(), prefix);
    // Last night: 600 contacts x 5 deals, each pair confirmed (recorded as the sync worker records it).
    const lines = ['contact_ext_id,deal_ext_id,contact_role'];
    for (let c = 0; c < 600; c++) for (let d = 0; d < 5; d++) lines.push(`C-${c},D-${c}-${d},R${d}`);
    const lastNight = join(tmp.path, 'last.csv');
    await writeFile(lastNight, `${lines.join('\n')}\n`);
    const create = (id: string) => ledger.createImport({ id, origin: 'cli', source: lastNight, sourceName: 'x.csv', profileName: 'contacts-deals', profileJson: '{}' });
    await create('night-1');
    await ingestImport({ ledger, log: pino({ level: 'silent' }), limits: LIMITS, lookups: 'unchecked' }, {
      importId: 'night-1', sourcePath: lastNight, sourceName: 'last.csv', profile,
      enqueue: async (jobs) => {
        for (const call of jobs.flatMap((job) => job.calls)) {
          await ledger.recordOutcomes('night-1', call.entries.map((e) => ({ row: e.row, status: 'success', code: 'SUCCESS', message: 'relation added' })), {
            targetId: target.id, base: call.base, day: TODAY - 1, ttlS: 8 * 86_400, pairs: call.entries.map((e) => ({ row: e.row, related: e.related, digest: fieldsDigest(e.fields) })),
          });
        }
      },
    });
    // Tonight: the same, one role changed (row 1,500) and two new pairs at the end.
    lines[1_500] = 'C-299,D-299-4,R0';
    lines.push('C-7,D-new-1,R1', 'C-599,D-new-2,R1');
    const tonight = join(tmp.path, 'tonight.csv');
    await writeFile(tonight, `${lines.join('\n')}\n`);
    const rows = lines.length - 1;
    const sent = new Set([1_500, rows - 1, rows]);
    const incremental = { ...profile, incremental: true };
    const syncState = (rerun: string | undefined): IngestDeps['syncState'] => ({
      state, targetId: target.id, today: TODAY, maxAgeDays: 7, ...(rerun ? { knownOutcomes: (r: number[]) => ledger.getOutcomes(rerun, r) } : {}),
    });
    const ingest = async (id: string, deps: Partial<IngestDeps> = {}, rerun = false) => {
      const jobs: SyncCallsPayload[] = [];
      const result = await ingestImport({ ledger, log: pino({ level: 'silent' }), limits: LIMITS, lookups: 'unchecked', syncState: syncState(rerun ? id : undefined), ...deps }, {
        importId: id, sourcePath: tonight, sourceName: 'tonight.csv', profile: incremental, enqueue: async (group) => void jobs.push(...structuredClone(group)),
      });
      return { result, jobs };
    };

    // Uninterrupted, for comparison.
    await create('night-2a');
    const whole = await ingest('night-2a');
    expect(whole.result).toMatchObject({ plannedCalls: 3, incremental: { new: 2, changed: 1, unchanged: rows - 3, expired: 0 } });

    // Cut short: the first of the mark scripts ran (rows below 1,100), then the process died.
    await create('night-2b');
    const cut: IngestDeps['ledger'] = {
      recordOutcomes: (id, outcomes, change) => ledger.recordOutcomes(id, outcomes, change),
      update: (id, fields) => ledger.update(id, fields),
      planRemovals: (id, removals) => ledger.planRemovals(id, removals),
      increment: (id, counter, by) => ledger.increment(id, counter, by),
      recordMarked: async (id: string, { texts, marks }: MarkedOutcomes) => {
        await ledger.recordMarked(id, { texts, marks: marks.map((mark, row) => (row < 1_100 ? mark : 0)) });
        throw new Error('SIGKILL');
      },
    };
    await expect(ingest('night-2b', { ledger: cut })).rejects.toThrow('SIGKILL');
    expect(await ledger.getImport('night-2b')).toMatchObject({ skipped: 1_099 });
    const again = await ingest('night-2b', {}, true);
    expect(again.result).toEqual(whole.result);
    expect(again.jobs).toEqual(whole.jobs.map((job) => ({ ...job, importId: 'night-2b' })));
    for (const id of ['night-2a', 'night-2b']) {
      expect(await ledger.getImport(id)).toMatchObject({ skipped: rows - 3, success: 0, error: 0 });
      expect(await ledger.countOutcomes(id)).toBe(rows - 3);
      const outcomes = await ledger.getOutcomes(id, Array.from({ length: rows }, (_, i) => i + 1));
      outcomes.forEach((outcome, i) => {
        if (sent.has(i + 1)) expect(outcome).toBeUndefined();
        else expect(outcome).toEqual({ row: i + 1, status: 'skipped', code: 'UNCHANGED', message: 'unchanged since 2026-11-29' });
      });
    }
  });
});
