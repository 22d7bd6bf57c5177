/**
 * Every built-in profile, end to end over real HTTP: a small file with good and bad rows per relation,
 * the right outcome for each row, and exactly the right links in the simulator afterwards (its
 * `links()` are what Zoho would hold). Expectations are written from the contract and the simulator's
 * data set, not from the profile table: the columns, the relation and the values sent are spelled out.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../../src/profile/profile.js';
import { MODULES, type Link, type ModuleName } from '../../src/simulator/index.js';
import { startHarness, useHarnessForAll, type Harness } from '../helpers/harness.js';

type Outcome = [status: string, code: string];

interface Case {
  /** Base and related module, the relation's id in the simulator and its order there. */
  base: ModuleName;
  related: ModuleName;
  relation: Link['relation'];
  header: string[];
  /** The entry field's cell of the two good rows, of the bad one, and the value Zoho must hold for the good ones. */
  good?: [cell: string, held: string | number][];
  bad?: [cell: string, code: string];
}

const ROLE_ID = '111111000000026002';
const EVALUATOR = '111111000000026006';
const member = (header: string[], relation: Link['relation'], base: ModuleName, related: ModuleName): Case => ({
  base, related, relation, header,
  good: [[' active ', 'Active'], ['Opted Out', 'Opted Out']],
  bad: ['Activ', 'LOOKUP_FAILED'],
});
const price = (header: string[], relation: Link['relation'], base: ModuleName, related: ModuleName): Case => ({
  base, related, relation, header,
  good: [['12.50', 12.5], [' 7 ', 7]],
  bad: ['-3', 'INVALID_VALUE'],
});
const plain = (header: string[], relation: Link['relation'], base: ModuleName, related: ModuleName): Case => ({ base, related, relation, header });

const CASES: Record<string, Case> = {
  'contacts-deals': {
    base: 'Contacts', related: 'Deals', relation: 'Contacts-Deals', header: ['contact_ext_id', 'deal_ext_id', 'contact_role'],
    good: [['Evaluator', EVALUATOR], [ROLE_ID, ROLE_ID]], bad: ['Evaluater', 'LOOKUP_FAILED'],
  },
  'campaigns-contacts': member(['campaign_ext_id', 'contact_ext_id', 'member_status'], 'Campaigns-Contacts', 'Campaigns', 'Contacts'),
  'campaigns-leads': member(['campaign_ext_id', 'lead_ext_id', 'member_status'], 'Campaigns-Leads', 'Campaigns', 'Leads'),
  'leads-campaigns': member(['lead_ext_id', 'campaign_ext_id', 'member_status'], 'Campaigns-Leads', 'Leads', 'Campaigns'),
  'contacts-campaigns': member(['contact_ext_id', 'campaign_ext_id', 'member_status'], 'Campaigns-Contacts', 'Contacts', 'Campaigns'),
  'products-price-books': price(['product_ext_id', 'price_book_ext_id', 'list_price'], 'Products-Price_Books', 'Products', 'Price_Books'),
  'price-books-products': price(['price_book_ext_id', 'product_ext_id', 'list_price'], 'Products-Price_Books', 'Price_Books', 'Products'),
  'products-accounts': plain(['product_ext_id', 'account_ext_id'], 'Products-Accounts', 'Products', 'Accounts'),
  'products-contacts': plain(['product_ext_id', 'contact_ext_id'], 'Products-Contacts', 'Products', 'Contacts'),
  'products-deals': plain(['product_ext_id', 'deal_ext_id'], 'Products-Deals', 'Products', 'Deals'),
  'products-leads': plain(['product_ext_id', 'lead_ext_id'], 'Products-Leads', 'Products', 'Leads'),
  'appointments-services': plain(['appointment_ext_id', 'service_ext_id'], 'Appointments__s-Services__s', 'Appointments__s', 'Services__s'),
};

/** The n-th generated record of a module: its external value (External_<Singular>_ID) and Zoho id. */
function record(h: Harness, module: ModuleName, n: number): { ext: string; id: string } {
  const spec = MODULES.find((candidate) => candidate.apiName === module)!;
  const external = spec.externalFields[0]!;
  const found = h.sim.dataset[spec.recordsKey].filter((r) => /^[A-Z]+-\d+$/.test(r[external] ?? ''))[n]!;
  return { ext: found[external]!, id: found.id };
}

/** The relation's first module first, as the simulator stores a link. */
function oriented(c: Case, baseId: string, relatedId: string): [string, string] {
  return c.relation.startsWith(`${c.base}-`) ? [baseId, relatedId] : [relatedId, baseId];
}

describe('built-in profiles against the simulator', () => {
  const harness = useHarnessForAll(() => startHarness());

  it('covers every built-in profile', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(BUILTIN_PROFILES).sort());
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: the right outcome per row and exactly the right links`, async () => {
      const h = harness();
      h.sim.reset();
      // Records 10+ of each module: no other test in this file links them.
      const base = record(h, c.base, 10);
      const related = [0, 1, 2, 3].map((n) => record(h, c.related, 10 + n));
      const withField = (cells: string[], field: string | undefined): string[] => (c.good ? [...cells, field ?? ''] : cells);
      const rows: Array<{ cells: string[]; expect: Outcome }> = [
        { cells: withField([base.ext, related[0]!.ext], c.good?.[0]![0]), expect: ['success', 'SUCCESS'] },
        { cells: withField([base.ext, related[1]!.ext], c.good?.[1]![0]), expect: ['success', 'SUCCESS'] },
        { cells: withField([base.ext, 'NOPE-404'], c.good?.[1]![0]), expect: ['error', 'INVALID_DATA'] },
        { cells: withField([base.ext, ''], undefined), expect: ['error', 'MISSING_VALUE'] },
        { cells: withField(['NOPE-405', related[3]!.ext], undefined), expect: ['error', 'INVALID_DATA'] },
      ];
      if (c.bad) rows.push({ cells: withField([base.ext, related[2]!.ext], c.bad[0]), expect: ['error', c.bad[1]] });
      const file = await h.writeCsv(`${name}.csv`, [c.header, ...rows.map((row) => row.cells)]);
      const done = await h.waitDone(await h.importFile(file, name));

      expect(done.state).toBe('done');
      const report = await h.readReport(done.reportPath!);
      expect(report.map((line) => [line._status, line._code])).toEqual(rows.map((row) => row.expect));
      expect(report[0]!._zoho_id).toBe(related[0]!.id);
      const expected: Link[] = [0, 1].map((i) => ({ relation: c.relation, ids: oriented(c, base.id, related[i]!.id), value: c.good?.[i]![1] ?? null }));
      expect(h.sim.links()).toEqual(expected);
    });
  }
});
