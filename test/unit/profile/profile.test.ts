import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonErrorPosition } from '../../../src/profile/json-position.js';
import { useTempDir } from '../../helpers/temp-dir.js';
import {
  BUILTIN_PROFILES,
  fieldSpecs,
  loadProfile,
  parseProfile,
  requiredColumns,
  xExternalHeader,
  type Profile,
} from '../../../src/profile/profile.js';

/** The built-in as docs/contract.md#profiles prints it. */
const CONTRACT_CONTACTS_DEALS = {
  module: 'Contacts',
  relatedList: 'Deals',
  base: { column: 'contact_ext_id', externalField: 'External_Contact_ID' },
  related: { column: 'deal_ext_id', externalField: 'External_Deal_ID', module: 'Deals' },
  fields: { Contact_Role: { column: 'contact_role', lookup: 'contact-roles' } },
};

/** Every built-in, written out by hand from the contract rather than from the table that makes them. */
const CONTRACT_BUILTINS: Record<string, [module: string, relatedList: string, base: string, related: string, field?: [string, unknown]]> = {
  'contacts-deals': ['Contacts', 'Deals', 'contact', 'deal', ['Contact_Role', { column: 'contact_role', lookup: 'contact-roles' }]],
  'campaigns-contacts': ['Campaigns', 'Contacts', 'campaign', 'contact', ['Member_Status', { column: 'member_status', lookup: 'member-status' }]],
  'campaigns-leads': ['Campaigns', 'Leads', 'campaign', 'lead', ['Member_Status', { column: 'member_status', lookup: 'member-status' }]],
  'leads-campaigns': ['Leads', 'Campaigns', 'lead', 'campaign', ['Member_Status', { column: 'member_status', lookup: 'member-status' }]],
  'contacts-campaigns': ['Contacts', 'Campaigns', 'contact', 'campaign', ['Member_Status', { column: 'member_status', lookup: 'member-status' }]],
  'products-price-books': ['Products', 'Price_Books', 'product', 'price_book', ['list_price', { column: 'list_price', type: 'price' }]],
  'price-books-products': ['Price_Books', 'Products', 'price_book', 'product', ['list_price', { column: 'list_price', type: 'price' }]],
  'products-accounts': ['Products', 'Accounts', 'product', 'account'],
  'products-contacts': ['Products', 'Contacts', 'product', 'contact'],
  'products-deals': ['Products', 'Deals', 'product', 'deal'],
  'products-leads': ['Products', 'Leads', 'product', 'lead'],
  'appointments-services': ['Appointments__s', 'Services__s', 'appointment', 'service'],
};
const EXTERNAL: Record<string, string> = {
  contact: 'External_Contact_ID', deal: 'External_Deal_ID', campaign: 'External_Campaign_ID', lead: 'External_Lead_ID', product: 'External_Product_ID',
  price_book: 'External_Price_Book_ID', account: 'External_Account_ID', appointment: 'External_Appointment_ID', service: 'External_Service_ID',
};

const tmp = useTempDir('relsync-profile-');

describe('built-in profiles', () => {
  it('contacts-deals is exactly the contract', () => {
    expect(BUILTIN_PROFILES['contacts-deals']).toStrictEqual(CONTRACT_CONTACTS_DEALS);
  });

  it('are the twelve of the contract, one per relation, with its columns and external fields', () => {
    expect(Object.keys(BUILTIN_PROFILES)).toEqual(Object.keys(CONTRACT_BUILTINS));
    for (const [name, [module, relatedList, base, related, field]] of Object.entries(CONTRACT_BUILTINS)) {
      expect(BUILTIN_PROFILES[name], name).toStrictEqual({
        module,
        relatedList,
        base: { column: `${base}_ext_id`, externalField: EXTERNAL[base] },
        related: { column: `${related}_ext_id`, externalField: EXTERNAL[related], module: relatedList },
        fields: field === undefined ? {} : { [field[0]]: field[1] },
      });
    }
  });

  it('are frozen, and loadProfile hands out a named copy', async () => {
    expect(Object.isFrozen(BUILTIN_PROFILES['contacts-deals']?.base)).toBe(true);
    const loaded = await loadProfile('contacts-deals');
    expect(loaded).toStrictEqual({ ...CONTRACT_CONTACTS_DEALS, name: 'contacts-deals' });
    loaded.fields.Other = 'x';
    expect(BUILTIN_PROFILES['contacts-deals']?.fields).toStrictEqual(CONTRACT_CONTACTS_DEALS.fields);
  });

  it('pass their own validation', () => {
    for (const profile of Object.values(BUILTIN_PROFILES)) expect(parseProfile(profile, 'builtin')).toStrictEqual(profile);
  });
});

describe('parseProfile', () => {
  it('defaults related.module to relatedList and fields to none, and drops nothing it knows', () => {
    const profile = parseProfile(
      { module: 'Accounts', relatedList: 'Products', base: { column: 'account' }, related: { column: 'product' }, csv: { delimiter: ';' } },
      'p.json',
    );
    expect(profile).toStrictEqual({
      module: 'Accounts',
      relatedList: 'Products',
      base: { column: 'account' },
      related: { column: 'product', module: 'Products' },
      fields: {},
      csv: { delimiter: ';' },
    });
  });

  it('accepts what it returned (profiles travel as JSON through the queue)', () => {
    const profile = parseProfile({ ...CONTRACT_CONTACTS_DEALS, name: 'contacts-deals' }, 'stored');
    expect(parseProfile(JSON.parse(JSON.stringify(profile)), 'stored')).toStrictEqual(profile);
  });

  it('reports every invalid value at once, each naming its key', () => {
    const input = {
      module: 'Con tacts',
      base: { column: 42, colum: 'x' },
      related: { column: '', externalField: 'External-Deal' },
      fields: { Contact_Role: '', 'Bad Name': 'role' },
      csv: { delimiter: ';;' },
      extra: true,
    };
    expect(() => parseProfile(input, 'profile.json')).toThrow(
      expect.objectContaining({
        code: 'PROFILE_INVALID',
        message:
          'profile.json: expected only the keys name, module, relatedList, base, related, fields, csv, abort, mode, incremental, got unknown key \'extra\'; ' +
          "module: expected a Zoho API name (letters, digits, underscore), got 'Con tacts'; " +
          'relatedList: expected a Zoho API name (letters, digits, underscore), got nothing; ' +
          "base: expected only the keys column, externalField, got unknown key 'colum'; " +
          'base.column: expected a non-empty string, got 42; ' +
          "related.column: expected a non-empty string, got ''; " +
          "related.externalField: expected a Zoho API name (letters, digits, underscore), got 'External-Deal'; " +
          'fields.Contact_Role: expected a column name, or { "column": "…", "lookup": "…" }, got \'\'; ' +
          "fields: expected keys that are Zoho API names (letters, digits, underscore), got 'Bad Name'; " +
          "csv.delimiter: expected one character other than a quote or line break, got ';;'",
      }),
    );
  });

  it('takes a field as a column name or as { column, lookup } / { column, type }, and writes a bare { column } as its name', () => {
    const profile = parseProfile({
      ...CONTRACT_CONTACTS_DEALS,
      fields: { Contact_Role: { column: 'role', lookup: 'contact-roles' }, list_price: { column: 'price', type: 'price' }, Note: { column: 'note' }, Plain: 'plain' },
    }, 'p.json');
    expect(profile.fields).toStrictEqual({ Contact_Role: { column: 'role', lookup: 'contact-roles' }, list_price: { column: 'price', type: 'price' }, Note: 'note', Plain: 'plain' });
    expect(fieldSpecs(profile)).toStrictEqual([
      { apiName: 'Contact_Role', column: 'role', lookup: 'contact-roles' },
      { apiName: 'list_price', column: 'price', type: 'price' },
      { apiName: 'Note', column: 'note' },
      { apiName: 'Plain', column: 'plain' },
    ]);
    expect(requiredColumns(profile)).toEqual(['contact_ext_id', 'deal_ext_id', 'role', 'price', 'note', 'plain']);
  });

  it('names every problem of a field object: an unknown lookup or type, both at once, a missing column, an unknown key', () => {
    const input = {
      ...CONTRACT_CONTACTS_DEALS,
      fields: {
        A: { column: 'a', lookup: 'roles' },
        B: { column: 'b', type: 'number' },
        C: { column: 'c', lookup: 'contact-roles', type: 'price' },
        D: { lookup: 'member-status' },
        E: { column: 'e', lookups: 'x' },
        F: 7,
      },
    };
    expect(() => parseProfile(input, 'p.json')).toThrow(expect.objectContaining({
      code: 'PROFILE_INVALID',
      message: "p.json: fields.A.lookup: expected one of 'contact-roles', 'member-status', got 'roles'; " +
        "fields.B.type: expected one of 'price', got 'number'; " +
        'fields.C: expected either "lookup" or "type", not both, got both; ' +
        'fields.D.column: expected a column name, got nothing; ' +
        "fields.E: expected only the keys column, lookup, type, got unknown key 'lookups'; " +
        'fields.F: expected a column name, or { "column": "…", "lookup": "…" }, got 7',
    }));
  });

  it('reads "mode", and names a mode it does not know', () => {
    expect(parseProfile({ ...CONTRACT_CONTACTS_DEALS, mode: 'mirror' }, 'p.json').mode).toBe('mirror');
    expect(parseProfile(CONTRACT_CONTACTS_DEALS, 'p.json').mode).toBeUndefined();
    expect(() => parseProfile({ ...CONTRACT_CONTACTS_DEALS, mode: 'delete' }, 'p.json')).toThrow(
      expect.objectContaining({ code: 'PROFILE_INVALID', message: "p.json: mode: expected one of 'link', 'unlink', 'mirror', got 'delete'" }),
    );
  });

  it('reads the error-rate brake of "abort", every bad value named', () => {
    expect(parseProfile({ ...CONTRACT_CONTACTS_DEALS, abort: { errorRate: 0.5, minRows: 200 } }, 'p.json').abort).toStrictEqual({ errorRate: 0.5, minRows: 200 });
    expect(parseProfile({ ...CONTRACT_CONTACTS_DEALS, abort: { errorRate: 0 } }, 'p.json').abort).toStrictEqual({ errorRate: 0 });
    expect(() => parseProfile({ ...CONTRACT_CONTACTS_DEALS, abort: { errorRate: '50%', minRows: 0.5, after: 3 } }, 'p.json')).toThrow(
      expect.objectContaining({
        code: 'PROFILE_INVALID',
        message: "p.json: abort: expected only the keys errorRate, minRows, got unknown key 'after'; abort.errorRate: expected a number from 0 to 1 (e.g. 0.5), got '50%'; abort.minRows: expected an integer >= 1, got 0.5",
      }),
    );
  });

  it('reads "incremental": true or false, and names any other value', () => {
    expect(parseProfile({ ...CONTRACT_CONTACTS_DEALS, incremental: true }, 'p.json').incremental).toBe(true);
    expect(parseProfile({ ...CONTRACT_CONTACTS_DEALS, incremental: false }, 'p.json').incremental).toBe(false);
    expect(parseProfile(CONTRACT_CONTACTS_DEALS, 'p.json')).not.toHaveProperty('incremental');
    expect(() => parseProfile({ ...CONTRACT_CONTACTS_DEALS, incremental: 'yes' }, 'p.json')).toThrow(
      expect.objectContaining({ code: 'PROFILE_INVALID', message: "p.json: incremental: expected true or false, got 'yes'" }),
    );
  });

  it('rejects the same column for base and related', () => {
    const input = { ...CONTRACT_CONTACTS_DEALS, related: { column: 'contact_ext_id' } };
    expect(() => parseProfile(input, 'p.json')).toThrow(
      expect.objectContaining({ code: 'PROFILE_INVALID', message: "p.json: related.column: expected a column other than base.column, got 'contact_ext_id'" }),
    );
  });

  it('rejects what is not an object', () => {
    expect(() => parseProfile([], 'p.json')).toThrow(expect.objectContaining({ code: 'PROFILE_INVALID', message: 'p.json: expected an object, got an array' }));
    expect(() => parseProfile({ ...CONTRACT_CONTACTS_DEALS, base: null }, 'p.json')).toThrow(
      expect.objectContaining({ message: 'p.json: base: expected an object, got null' }),
    );
  });
});

describe('loadProfile', () => {
  it('reads a JSON profile file relative to cwd and names it after the path', async () => {
    const custom = { module: 'Accounts', relatedList: 'Contacts', base: { column: 'acct' }, related: { column: 'contact', externalField: 'Ext_ID' } };
    await writeFile(join(tmp.path, 'accounts.json'), `\uFEFF${JSON.stringify(custom)}`);
    expect(await loadProfile('accounts.json', { cwd: tmp.path })).toStrictEqual({
      name: 'accounts.json',
      module: 'Accounts',
      relatedList: 'Contacts',
      base: { column: 'acct' },
      related: { column: 'contact', externalField: 'Ext_ID', module: 'Contacts' },
      fields: {},
    });
  });

  it('rejects bad JSON with PROFILE_INVALID, the file and the position', async () => {
    await writeFile(join(tmp.path, 'broken.json'), '{\n  "module": "Contacts",\n}\n');
    await expect(loadProfile('broken.json', { cwd: tmp.path })).rejects.toMatchObject({
      code: 'PROFILE_INVALID',
      message: expect.stringMatching(/^broken\.json: line 3 column 1: invalid JSON: /),
    });
  });

  it('validates a file with the file as where', async () => {
    await writeFile(join(tmp.path, 'invalid.json'), JSON.stringify({ ...CONTRACT_CONTACTS_DEALS, module: 7 }));
    await expect(loadProfile('invalid.json', { cwd: tmp.path })).rejects.toMatchObject({
      code: 'PROFILE_INVALID',
      message: 'invalid.json: module: expected a Zoho API name (letters, digits, underscore), got 7',
    });
  });

  it('rejects __proto__, constructor and prototype anywhere, naming each key with its line and column', async () => {
    // Dropped silently, a "__proto__" under fields lost a column; on a plain object it could change what the profile inherits.
    const text = [
      '{',
      '  "module": "Contacts", "relatedList": "Deals",',
      '  "base": { "column": "c", "constructor": "x" },',
      '  "related": { "column": "d" },',
      '  "fields": { "Contact_Role": "role", "__proto__": "evil" },',
      '  "csv": { "delimiter": ";", "extra": [ { "prototype": 1 } ] },',
      '  "\\u005f_proto__": {}',
      '}',
    ].join('\n');
    await writeFile(join(tmp.path, 'proto.json'), text);
    await expect(loadProfile('proto.json', { cwd: tmp.path })).rejects.toMatchObject({
      code: 'PROFILE_INVALID',
      message:
        "proto.json: line 3 column 28: base.constructor: expected a key other than __proto__, constructor or prototype, got 'constructor'; " +
        "line 5 column 39: fields.__proto__: expected a key other than __proto__, constructor or prototype, got '__proto__'; " +
        "line 6 column 43: csv.extra[0].prototype: expected a key other than __proto__, constructor or prototype, got 'prototype'; " +
        "line 7 column 3: __proto__: expected a key other than __proto__, constructor or prototype, got '__proto__'",
    });
  });

  it('rejects the reserved keys in a profile that came as an object (a queue payload), naming where', () => {
    const payload = JSON.parse('{"module":"Contacts","relatedList":"Deals","base":{"column":"c"},"related":{"column":"d"},"fields":{"__proto__":"x"}}') as unknown;
    expect(() => parseProfile(payload, 'payload.profile')).toThrow(
      expect.objectContaining({
        code: 'PROFILE_INVALID',
        message: "payload.profile: fields.__proto__: expected a key other than __proto__, constructor or prototype, got '__proto__'",
      }),
    );
  });

  it('rejects a name that is neither a built-in nor a file with PROFILE_NOT_FOUND naming the built-ins', async () => {
    await expect(loadProfile('contacts-accounts', { cwd: tmp.path })).rejects.toMatchObject({
      code: 'PROFILE_NOT_FOUND',
      message: `contacts-accounts: no such profile: not a built-in (${Object.keys(CONTRACT_BUILTINS).join(', ')}) and no such file`,
    });
  });
});

describe('jsonErrorPosition', () => {
  it('points at the first character that breaks the grammar', () => {
    expect(jsonErrorPosition('{"a": }')).toEqual({ offset: 6, line: 1, column: 7 });
    expect(jsonErrorPosition('{\n  "a": 1,\n}')).toEqual({ offset: 12, line: 3, column: 1 });
    expect(jsonErrorPosition('{"a": "\\x"}')).toEqual({ offset: 8, line: 1, column: 9 });
    expect(jsonErrorPosition('[1, 2')).toEqual({ offset: 5, line: 1, column: 6 });
  });
});

describe('xExternalHeader', () => {
  const base: Profile = { module: 'Contacts', relatedList: 'Deals', base: { column: 'c' }, related: { column: 'd', module: 'Deals' }, fields: {} };

  it('names each side that uses an external field', () => {
    expect(xExternalHeader(BUILTIN_PROFILES['contacts-deals'] as Profile)).toBe('Contacts.External_Contact_ID,Deals.External_Deal_ID');
    expect(xExternalHeader({ ...base, related: { column: 'd', module: 'Potentials', externalField: 'Ext' } })).toBe('Potentials.Ext');
    expect(xExternalHeader({ ...base, base: { column: 'c', externalField: 'Ext' } })).toBe('Contacts.Ext');
  });

  it('is undefined when both sides hold Zoho ids', () => {
    expect(xExternalHeader(base)).toBeUndefined();
  });
});

describe('requiredColumns', () => {
  it('lists base, related and field columns once each, in that order', () => {
    const profile = { ...(BUILTIN_PROFILES['contacts-deals'] as Profile), fields: { Contact_Role: 'role', Other: 'role', Note: 'note' } };
    expect(requiredColumns(profile)).toEqual(['contact_ext_id', 'deal_ext_id', 'role', 'note']);
  });
});
