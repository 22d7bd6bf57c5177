/** Shared by the trigger tests: CSV content the simulator accepts. */
import { formatCsvRow } from '../../src/report/csv-format.js';
import type { Harness } from '../helpers/harness.js';

export const HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role'];

/**
 * Rows pairing `contacts` contacts (from `offset`) with `dealsEach` deals each, all valid: one Zoho
 * call per contact. Different offsets give different content.
 */
export function validRows(h: Harness, contacts: number, dealsEach = 2, offset = 0): string[][] {
  const cs = h.sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID)).slice(offset, offset + contacts);
  const ds = h.sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
  return cs.flatMap((c, i) => Array.from({ length: dealsEach }, (_, k) => [c.External_Contact_ID, ds[(i * dealsEach + k) % ds.length]!.External_Deal_ID, '']));
}

export function csvText(rows: string[][]): string {
  return [HEADER, ...rows].map((cells) => formatCsvRow(cells)).join('\n') + '\n';
}
