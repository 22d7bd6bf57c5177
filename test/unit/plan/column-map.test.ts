import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../../src/plan/column-map.js';
import { BUILTIN_PROFILES, type Profile } from '../../../src/profile/profile.js';

const contactsDeals = { ...(BUILTIN_PROFILES['contacts-deals'] as Profile), name: 'contacts-deals' };

describe('mapColumns', () => {
  it('finds each needed column by name, in any order, ignoring surrounding spaces', () => {
    const header = ['note', ' contact_role', 'deal_ext_id ', 'contact_ext_id'];
    expect(mapColumns(contactsDeals, header, 'deals.csv')).toEqual({
      base: 3,
      related: 2,
      fields: [['Contact_Role', 1]],
      width: 4,
      header,
    });
  });

  it('names the missing columns and lists what the file has', () => {
    expect(() => mapColumns(contactsDeals, ['a', 'contact_ext_id', 'c'], 'deals.csv')).toThrow(
      expect.objectContaining({
        code: 'FILE_INVALID',
        message: 'deals.csv: missing column(s) deal_ext_id, contact_role for profile contacts-deals; the file has: a, contact_ext_id, c',
      }),
    );
  });

  it('hints at a header that matches a needed column only by case, yet keeps matching exact', () => {
    expect(() => mapColumns(contactsDeals, ['Contact_Ext_ID', ' deal_ext_id', ' CONTACT_ROLE '], 'deals.csv')).toThrow(
      expect.objectContaining({
        code: 'FILE_INVALID',
        message:
          'deals.csv: missing column(s) contact_ext_id, contact_role for profile contacts-deals; the file has: Contact_Ext_ID,  deal_ext_id,  CONTACT_ROLE ; ' +
          "did you mean 'contact_ext_id' (found 'Contact_Ext_ID'), 'contact_role' (found ' CONTACT_ROLE ')? Column names must match exactly, case included",
      }),
    );
    // No near match, no hint.
    expect(() => mapColumns(contactsDeals, ['contact', 'deal_ext_id', 'contact_role'], 'x.csv')).toThrow(
      expect.objectContaining({ message: 'x.csv: missing column(s) contact_ext_id for profile contacts-deals; the file has: contact, deal_ext_id, contact_role' }),
    );
  });

  it('says "the profile" when the profile has no name', () => {
    const { name: _name, ...unnamed } = contactsDeals;
    expect(() => mapColumns(unnamed, ['contact_ext_id', 'contact_role'], 'x.csv')).toThrow(
      expect.objectContaining({ message: 'x.csv: missing column(s) deal_ext_id for the profile; the file has: contact_ext_id, contact_role' }),
    );
  });

  it('refuses a needed column that appears twice', () => {
    expect(() => mapColumns(contactsDeals, ['contact_ext_id', 'deal_ext_id', 'contact_role', 'deal_ext_id'], 'x.csv')).toThrow(
      expect.objectContaining({ code: 'FILE_INVALID', message: 'x.csv: column deal_ext_id appears more than once (columns 2 and 4); keep one' }),
    );
  });

  it('ignores columns the profile does not use, such as a report\'s underscore columns', () => {
    const header = ['contact_ext_id', 'deal_ext_id', 'contact_role', '_row', '_status', '_code', '_message', '_zoho_id'];
    expect(mapColumns(contactsDeals, header, 'x.errors.csv')).toMatchObject({ base: 0, related: 1, fields: [['Contact_Role', 2]], width: 8 });
  });
});
