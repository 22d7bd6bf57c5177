/**
 * The incremental sync state is written in the same step as a row's outcome: a worker process killed
 * with SIGKILL mid-import leaves no success without its state and no state without its success, and
 * every pair the state holds is a link Zoho (the simulator) holds, with the fields remembered.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { registrationFor } from '../../src/app/queues.js';
import { bucketKey } from '../../src/ledger/sync-state.js';
import { fieldsDigest, pairField, syncTargetOf } from '../../src/plan/pair-state.js';
import { BUILTIN_PROFILES } from '../../src/profile/profile.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { eventually } from '../helpers/eventually.js';
import { startProcessHarness, type ProcessHarness } from '../helpers/harness.js';
import { associationKey, associationsOf, writePairs } from '../helpers/pairs.js';

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
