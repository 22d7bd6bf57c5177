/**
 * The demo's sample CSV, built from the simulator's data set: contacts linked to deals with contact
 * roles, plus a few rows that are wrong on purpose so the report shows every kind of outcome.
 */
export interface SampleSource {
  contacts: ReadonlyArray<{ External_Contact_ID: string }>;
  deals: ReadonlyArray<{ External_Deal_ID: string }>;
  contactRoles: ReadonlyArray<{ id: string; name: string }>;
}

export interface SampleRow { contact: string; deal: string; role: string; note: string }

/** The deliberate mistakes, each with the outcome the report will show for it. */
export function badRows(source: SampleSource): SampleRow[] {
  const contact = source.contacts[0]!.External_Contact_ID;
  const role = source.contactRoles[0]!.id;
  return [
    { contact, deal: '', role, note: 'missing deal id: MISSING_VALUE' },
    { contact, deal: 'D-DOES-NOT-EXIST', role, note: 'unknown deal: INVALID_DATA from Zoho' },
    { contact: 'C-NOBODY', deal: source.deals[0]!.External_Deal_ID, role, note: 'unknown contact: INVALID_DATA from Zoho' },
    { contact, deal: source.deals[1]!.External_Deal_ID, role: '999', note: 'bad role id: INVALID_DATA from Zoho' },
    { contact, deal: source.deals[2]!.External_Deal_ID, role, note: 'this pair appears again below: DUPLICATE_PAIR (skipped)' },
    { contact, deal: source.deals[2]!.External_Deal_ID, role, note: 'the later duplicate is the one sent' },
  ];
}

/** `rows` good rows (about five deals per contact, cycling through roles) then the bad ones. */
export function sampleRows(source: SampleSource, rows: number): SampleRow[] {
  const out: SampleRow[] = [];
  const perContact = 5;
  for (let i = 0; out.length < rows; i += 1) {
    const contact = source.contacts[Math.floor(i / perContact) % source.contacts.length]!;
    const deal = source.deals[(i * 7 + Math.floor(i / perContact)) % source.deals.length]!;
    const role = source.contactRoles[i % source.contactRoles.length]!;
    out.push({ contact: contact.External_Contact_ID, deal: deal.External_Deal_ID, role: role.id, note: role.name });
  }
  const bad = badRows(source);
  // Spread the bad rows through the file, the way they arrive in real exports.
  bad.forEach((row, k) => out.splice(Math.floor(((k + 1) * out.length) / (bad.length + 1)), 0, row));
  return out;
}

export const SAMPLE_HEADER = ['contact_ext_id', 'deal_ext_id', 'contact_role', 'note'] as const;
