/**
 * The benchmark's input: a Contacts -> Deals file like a nightly CRM export. Each row picks a contact
 * at random among rows/5 (so about five deals per contact, Poisson-spread, scattered through the file
 * as exports are), a deal among 50 000 and a contact role; one row in 10 000 is wrong on purpose. Pairs
 * that happen to repeat (a contact drawing the same deal twice) are the file's natural duplicates.
 * Deterministic for a seed, and it computes what the grouping must find, so the benchmark can hold
 * relsync's plan against the minimum number of calls.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { MAX_ENTRIES_PER_CALL } from '../jobs/sync-calls.job.js';
import { createRandom } from '../src/simulator/prng.js';
import { defaultContactRoles } from '../src/simulator/dataset.js';

export const BENCH_HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role', 'note'] as const;

export interface GeneratedFile {
  path: string;
  rows: number;
  bytes: number;
  /** Rows the row check must refuse (missing id, wrong cell count). */
  invalidRows: number;
  /** Valid rows whose (contact, deal) pair appears again later: skipped as DUPLICATE_PAIR. */
  supersededRows: number;
  /** Valid rows left to send: one entry each. */
  sendableRows: number;
  baseRecords: number;
  /** One call per base record per 100 distinct related records: the fewest calls that can send the file. */
  minimumCalls: number;
}

/** Deals a row picks among. */
const DEALS = 50_000;
/** One row in this many is wrong on purpose (see badRow). */
const BAD_ROW_EVERY = 10_000;
/** Rows gathered into one write. */
const WRITE_CHUNK_ROWS = 5_000;

export async function generateCsv(path: string, rows: number, seed = 7): Promise<GeneratedFile> {
  const random = createRandom(seed);
  const contacts = Math.max(1, Math.round(rows / 5));
  const roles = defaultContactRoles();
  const dealsOf = new Map<number, Set<number>>();
  const out = createWriteStream(path, { encoding: 'utf8' });
  let bytes = 0;
  let invalidRows = 0;
  let validRows = 0;
  let text = `${BENCH_HEADER.join(',')}\n`;
  for (let row = 1; row <= rows; row++) {
    const contact = Math.floor(random() * contacts);
    const deal = Math.floor(random() * DEALS);
    const role = roles[row % roles.length]!;
    const cells = [`C-${pad(contact, 7)}`, `D-${pad(deal, 6)}`, role.id, role.name];
    if (row % BAD_ROW_EVERY === 0) {
      invalidRows++;
      text += `${badRow(cells, row / BAD_ROW_EVERY).join(',')}\n`;
    } else {
      validRows++;
      let deals = dealsOf.get(contact);
      if (deals === undefined) dealsOf.set(contact, (deals = new Set()));
      deals.add(deal);
      text += `${cells.join(',')}\n`;
    }
    if (row % WRITE_CHUNK_ROWS === 0 || row === rows) {
      bytes += Buffer.byteLength(text);
      if (!out.write(text)) await once(out, 'drain');
      text = '';
    }
  }
  out.end();
  await finished(out);
  let sendableRows = 0;
  let minimumCalls = 0;
  for (const deals of dealsOf.values()) {
    sendableRows += deals.size;
    minimumCalls += Math.ceil(deals.size / MAX_ENTRIES_PER_CALL);
  }
  return { path, rows, bytes, invalidRows, supersededRows: validRows - sendableRows, sendableRows, baseRecords: dealsOf.size, minimumCalls };
}

/** The usual ways an export row goes wrong, in turn: a missing id either side, a cell short, a cell over. */
function badRow(cells: string[], k: number): string[] {
  switch (k % 4) {
    case 0: return [cells[0]!, '', cells[2]!, cells[3]!];
    case 1: return ['', cells[1]!, cells[2]!, cells[3]!];
    case 2: return cells.slice(0, 3);
    default: return [...cells, 'stray'];
  }
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
