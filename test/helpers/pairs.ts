/** A CSV of known-good pairs from the simulator's data set, and the associations it must produce. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { formatCsvRow } from '../../src/report/csv-format.js';

export interface PairsFile { path: string; rows: number; calls: number; associations: Set<string> }

export const associationKey = (contactId: string, dealId: string, role: string | null): string => `${contactId}|${dealId}|${role ?? ''}`;

export function associationsOf(sim: RunningSimulator): Set<string> {
  return new Set(sim.associations().map((a) => associationKey(a.contactId, a.dealId, a.contactRoleId)));
}

/** `contacts` contacts with `dealsPerContact` deals each: one call per contact when ≤100 deals. */
export async function writePairs(sim: RunningSimulator, dir: string, contacts: number, dealsPerContact: number, name = 'pairs.csv'): Promise<PairsFile> {
  const cs = sim.dataset.contacts.filter((c) => /^C-\d+$/.test(c.External_Contact_ID)).slice(0, contacts);
  const ds = sim.dataset.deals.filter((d) => /^D-\d+$/.test(d.External_Deal_ID));
  const roles = sim.dataset.contactRoles;
  const lines = [formatCsvRow(['contact_ext_id', 'deal_ext_id', 'contact_role'])];
  const associations = new Set<string>();
  cs.forEach((c, i) => {
    for (let k = 0; k < dealsPerContact; k += 1) {
      const d = ds[(i * dealsPerContact + k) % ds.length]!;
      const role = roles[(i + k) % roles.length]!.id;
      lines.push(formatCsvRow([c.External_Contact_ID, d.External_Deal_ID, role]));
      associations.add(associationKey(c.id, d.id, role));
    }
  });
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return { path, rows: cs.length * dealsPerContact, calls: cs.length * Math.ceil(dealsPerContact / 100), associations };
}
