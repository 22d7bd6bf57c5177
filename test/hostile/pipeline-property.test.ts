/**
 * Property: whatever CSV comes in (cells with quotes, delimiters, line breaks of every kind, any
 * Unicode; rows of the wrong width; empty and padded ids; unknown records; duplicate pairs; blank
 * lines and lines of only delimiters), the REAL pipeline (worker runtime, Redis, simulator over HTTP) writes exactly one report
 * line per input row, in order, with the input's cells unchanged and the outcome an independent oracle
 * predicts; and Zoho ends up holding exactly the associations of the rows reported as success.
 *
 * Seeded: set FC_SEED to replay a run; fast-check prints the seed and the shrunk counterexample on
 * failure.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCsvRow } from '../../src/report/csv-format.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { associationKey, associationsOf } from '../helpers/pairs.js';
import { readRows } from '../helpers/reports.js';
import { ROLE_ID } from '../helpers/simulator.js';

const SEED = Number(process.env.FC_SEED ?? 20261127);
const NUM_RUNS = 20;
const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role', 'note'];
const CONTACTS = ['C-0101', 'C-0102', 'C-0103', 'Ünïcødé-4', 'C/odd 1'];
const DEALS = ['D-0101', 'D-0102', 'D-0103', 'D-0104', 'Ðéål-4', 'D#2?x'];
const OTHER_ROLE = '111111000000026004';

/** Text that tests a CSV reader and writer: delimiters, quotes, every line break, a BOM, any code point. */
const tricky = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(',', ';', '\t', '"', '\n', '\r', '\r\n', ' ', 'a', 'é', '✓', '\uFEFF', '😀'), maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constant('') },
);
const padded = (ids: string[]) => fc.tuple(fc.constantFrom(...ids), fc.constantFrom('', ' ', '\t'), fc.constantFrom('', ' ', '  ')).map(([id, before, after]) => `${before}${id}${after}`);
const idCell = (ids: string[], unknown: string) => fc.oneof(
  { weight: 8, arbitrary: padded(ids) },
  { weight: 1, arbitrary: fc.constantFrom(unknown, '', '   ') },
  { weight: 1, arbitrary: tricky },
);
const goodRow = fc.tuple(
  idCell(CONTACTS, 'C-NOBODY'),
  idCell(DEALS, 'D-NOWHERE'),
  fc.constantFrom(ROLE_ID, ROLE_ID, OTHER_ROLE, '', '123'),
  tricky,
).map((cells) => [...cells]);
/** Wrong widths; a trailing run of empty cells is a trailing delimiter and reads as the row before it. */
const oddRow = fc.oneof(
  fc.array(tricky, { minLength: 1, maxLength: 3 }),
  fc.tuple(goodRow, fc.array(tricky, { minLength: 1, maxLength: 3 })).map(([cells, more]) => [...cells, ...more]),
);
const row = fc.oneof({ weight: 6, arbitrary: goodRow }, { weight: 1, arbitrary: oddRow });
const file = fc.record({
  rows: fc.array(row, { minLength: 0, maxLength: 60, size: 'medium' }),
  /** The line break after the header and after each row; doubled ones leave blank lines, which are not rows. */
  breaks: fc.array(fc.constantFrom('\n', '\r\n', '\r', '\n\n', '\r\n\r\n'), { minLength: 61, maxLength: 61 }),
});

interface Predicted { status: 'success' | 'error' | 'skipped'; code: string; pair?: [string, string, string] }

/** Written as delimiters only (`,,,`): a blank line, like Excel's leftovers, and so not a row. */
const isDelimitersOnly = (cells: string[]): boolean => cells.length > 1 && cells.every((cell) => cell === '');

/**
 * The contract's rules (docs/contract.md#the-call, docs/contract.md#report), written again independently
 * of src/plan.
 */
function predict(h: Harness, rows: string[][]): Predicted[] {
  const contactIds = new Map(h.sim.dataset.contacts.map((c) => [c.External_Contact_ID, c.id]));
  const dealIds = new Map(h.sim.dataset.deals.map((d) => [d.External_Deal_ID, d.id]));
  const roles = new Set(h.sim.dataset.contactRoles.map((r) => r.id));
  const predicted: Predicted[] = rows.map((cells) => {
    const surplusEmpty = cells.length > 4 && cells.slice(4).every((cell) => cell === '');
    if (cells.length !== 4 && !surplusEmpty) return { status: 'error', code: 'MALFORMED_ROW' };
    const [contact, deal, role] = [cells[0]!.trim(), cells[1]!.trim(), cells[2]!.trim()];
    if (contact === '' || deal === '') return { status: 'error', code: 'MISSING_VALUE' };
    const known = contactIds.has(contact) && dealIds.has(deal) && (role === '' || roles.has(role));
    return known
      ? { status: 'success', code: 'SUCCESS', pair: [contactIds.get(contact)!, dealIds.get(deal)!, role] }
      : { status: 'error', code: 'INVALID_DATA' };
  });
  // The last row of a (contact, deal) pair is sent; earlier ones are skipped.
  const last = new Map<string, number>();
  rows.forEach((cells, i) => {
    if (predicted[i]!.code === 'MALFORMED_ROW' || predicted[i]!.code === 'MISSING_VALUE') return;
    const key = JSON.stringify([cells[0]!.trim(), cells[1]!.trim()]);
    const earlier = last.get(key);
    if (earlier !== undefined) predicted[earlier] = { status: 'skipped', code: 'DUPLICATE_PAIR' };
    last.set(key, i);
  });
  return predicted;
}

describe('the pipeline, on generated CSVs', () => {
  let h: Harness;
  let runs = 0;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('gives one report line per input row, in order, cells unchanged, and Zoho exactly the rows reported as success', async () => {
    await fc.assert(
      fc.asyncProperty(file, async ({ rows: written, breaks }) => {
        h.sim.reset(); // back to the data set's own associations (none) for each run
        const name = `generated-${++runs}.csv`;
        const text = [HEADER, ...written].map((cells, i) => formatCsvRow(cells) + breaks[i]!).join('');
        const rows = written.filter((cells) => !isDelimitersOnly(cells));
        await writeFile(join(h.dir, name), text);
        const record = await h.waitDone(await h.importFile(join(h.dir, name)));
        const predicted = predict(h, rows);

        expect(record.state).toBe('done');
        const [header, ...lines] = await readRows(record.reportPath!);
        expect(header).toEqual([...HEADER, '_row', '_status', '_code', '_message', '_zoho_id']);
        expect(lines).toHaveLength(rows.length);
        lines.forEach((line, i) => {
          const input = [...rows[i]!, '', '', '', ''].slice(0, 4);
          expect({ cells: line.slice(0, 4), row: line[4], status: line[5], code: line[6] })
            .toEqual({ cells: input, row: String(i + 1), status: predicted[i]!.status, code: predicted[i]!.code });
          expect(line[7]!.length).toBeGreaterThan(0);
        });
        const reported = new Set(predicted.flatMap((p) => (p.pair ? [associationKey(p.pair[0], p.pair[1], p.pair[2] || null)] : [])));
        expect(associationsOf(h.sim)).toEqual(reported);
      }),
      // Shrinking re-runs imports: bounded, so a failure still reports (seed, path, smallest case so far) in time.
      { numRuns: NUM_RUNS, seed: SEED, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true },
    );
  }, 120_000);
});
