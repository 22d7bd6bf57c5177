/**
 * planIncremental with the state and the known outcomes as plain functions: which rows are skipped,
 * how the rest is packed per base record, and that a re-run of ingest after a crash plans the same
 * calls although the import's own first calls are in the state by then.
 */
import { describe, expect, it } from 'vitest';
import type { RowOutcome } from '../../../src/domain/row-outcome.js';
import { Grouper, type PlannedCall } from '../../../src/plan/grouper.js';
import { confirmedDay, fieldsDigest, NOT_HELD, OTHER_FIELDS, stateValue } from '../../../src/plan/pair-state.js';
import { planIncremental, type IncrementalDeps } from '../../../src/usecases/incremental-plan.js';

const TODAY = 20_000;
const ROLE_A = { Contact_Role: 'A' };

/** Base C-<b> with related D-<b>-<k> for k < 150 (two calls when all are sent), in input order. */
function plannedCalls(bases: number): { calls: Iterable<PlannedCall>; rows: number } {
  const grouper = new Grouper();
  let row = 0;
  for (let b = 0; b < bases; b++) for (let k = 0; k < 150; k++) grouper.add(++row, `C-${b}`, `D-${b}-${k}`, [['Contact_Role', 'A']]);
  return { calls: grouper.finish().calls, rows: row };
}

/** The state as `confirmations` reads it, from values held by `base|related`; the marked outcomes as rows, in row order. */
function deps(held: Map<string, string>, known?: Map<number, RowOutcome>): IncrementalDeps & { recorded: RowOutcome[] } {
  const recorded: RowOutcome[] = [];
  return {
    recorded,
    state: {
      confirmations: async (_target, groups, digestOf, into, at = 0) => {
        let i = at;
        for (const { base, entries } of groups) {
          for (const entry of entries) {
            const value = held.get(`${base}|${entry.related}`);
            into[i++] = value === undefined ? NOT_HELD : value.slice(3) === digestOf(entry) ? confirmedDay(value) : OTHER_FIELDS;
          }
        }
        return i - at;
      },
    },
    recordMarked: async ({ marks, texts }) => {
      for (let row = 1; row < marks.length; row++) if (marks[row]) recorded.push({ row, ...texts[marks[row]! - 1]! });
    },
    ...(known ? { knownOutcomes: async (rows: number[]) => rows.map((r) => known.get(r)) } : {}),
  };
}

const shape = (calls: Iterable<PlannedCall>) => [...calls].map((c) => `${c.base}:${c.entries.map((e) => e.row).join(',')}`);

describe('planIncremental', () => {
  it('skips the unchanged pairs as UNCHANGED and packs the rest of each base record into as few calls as they need', async () => {
    const { calls, rows } = plannedCalls(3);
    const held = new Map<string, string>();
    // Base C-0: every pair unchanged. C-1: all unchanged but D-1-7 (another role) and D-1-149 (not held). C-2: nothing held.
    for (let k = 0; k < 150; k++) held.set(`C-0|D-0-${k}`, stateValue(fieldsDigest(ROLE_A), TODAY - 1));
    for (let k = 0; k < 149; k++) held.set(`C-1|D-1-${k}`, stateValue(fieldsDigest(k === 7 ? { Contact_Role: 'B' } : ROLE_A), TODAY - 6));
    held.set('C-1|D-1-3', stateValue(fieldsDigest(ROLE_A), TODAY - 7));
    const d = deps(held);
    const plan = await planIncremental(d, { targetId: 't', today: TODAY, maxAgeDays: 7, rows }, calls);
    expect(plan.counts).toEqual({ new: 151, changed: 1, expired: 1, unchanged: 297 });
    expect(shape(plan.calls)).toEqual([
      'C-1:154,158,300',
      `C-2:${Array.from({ length: 100 }, (_, k) => 301 + k).join(',')}`,
      `C-2:${Array.from({ length: 50 }, (_, k) => 401 + k).join(',')}`,
    ]);
    expect(plan.callCount).toBe(3);
    expect(d.recorded).toHaveLength(297);
    expect(d.recorded[0]).toEqual({ row: 1, status: 'skipped', code: 'UNCHANGED', message: `unchanged since ${new Date((TODAY - 1) * 86_400_000).toISOString().slice(0, 10)}` });
  });

  it('plans the same calls on a re-run of ingest, though the pairs its own first calls sent are in the state by then', async () => {
    const { calls, rows } = plannedCalls(2);
    const first = await planIncremental(deps(new Map()), { targetId: 't', today: TODAY, maxAgeDays: 7, rows }, calls);
    const firstCalls = [...first.calls];
    // The first call (C-0, rows 1-100) was sent and answered before the crash: its pairs are held, its rows have outcomes.
    const held = new Map<string, string>();
    const known = new Map<number, RowOutcome>();
    for (const entry of firstCalls[0]!.entries) {
      held.set(`C-0|${entry.related}`, stateValue(fieldsDigest(ROLE_A), TODAY));
      known.set(entry.row, { row: entry.row, status: 'success', code: 'SUCCESS', message: 'relation added' });
    }
    const again = await planIncremental(deps(held, known), { targetId: 't', today: TODAY, maxAgeDays: 7, rows }, calls);
    expect(shape(again.calls)).toEqual(shape(firstCalls));
    expect(again.callCount).toBe(first.callCount);
    // Without the known outcomes it would have dropped them, and numbered every later call differently.
    const naive = await planIncremental(deps(held), { targetId: 't', today: TODAY, maxAgeDays: 7, rows }, calls);
    expect(shape(naive.calls)).not.toEqual(shape(firstCalls));
  });
});
