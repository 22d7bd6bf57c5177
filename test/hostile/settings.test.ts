/**
 * Every setting and every profile value, wrong: each answered "<where>: expected X, got Y", all of
 * them in one error, never a stack trace or a half-read configuration. Fills the gaps left by
 * test/unit/config/config.test.ts and test/unit/profile/profile.test.ts (limits, queue and watch settings, URLs,
 * csv.encoding, shapes of every profile key).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { loadProfile, parseProfile } from '../../src/profile/profile.js';
import { useTempDir } from '../helpers/temp-dir.js';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    expect(code).toMatch(/^(CONFIG|PROFILE)_INVALID$/);
    return message.replace(/^invalid configuration: |^[^:]+\.json: /, '').split('; ');
  }
  throw new Error('expected an error');
}

describe('settings (environment)', () => {
  it('answers every bad value at once, naming each variable, what it expects and what it got', () => {
    const bad: Record<string, [value: string, problem: string]> = {
      ZOHO_ACCOUNTS_URL: ['accounts.zoho.eu', "ZOHO_ACCOUNTS_URL: expected a https: or http:// URL, got 'accounts.zoho.eu'"],
      ZOHO_API_DOMAIN: ['ftp://zohoapis.eu', "ZOHO_API_DOMAIN: expected a https: or http:// URL, got 'ftp://zohoapis.eu'"],
      ZOHO_API_VERSION: ['8', "ZOHO_API_VERSION: expected like 'v8', got '8'"],
      ZOHO_DAILY_CREDITS: ['0', "ZOHO_DAILY_CREDITS: expected an integer 1-100000000, got '0'"],
      RELSYNC_MAX_ATTEMPTS: ['1.5', "RELSYNC_MAX_ATTEMPTS: expected an integer 1-50, got '1.5'"],
      RELSYNC_RATE_LIMIT_MAX_WAIT_MS: ['-1', "RELSYNC_RATE_LIMIT_MAX_WAIT_MS: expected an integer 1000-604800000, got '-1'"],
      RELSYNC_PAUSE_PROBE_MS: ['1e3', "RELSYNC_PAUSE_PROBE_MS: expected an integer 100-3600000, got '1e3'"],
      RELSYNC_CREDIT_WINDOW_MS: ['999', "RELSYNC_CREDIT_WINDOW_MS: expected an integer 1000-604800000, got '999'"],
      WATCH_POLL: ['maybe', "WATCH_POLL: expected true or false, got 'maybe'"],
      WATCH_STABILITY_MS: ['10', "WATCH_STABILITY_MS: expected an integer 50-600000, got '10'"],
      RELSYNC_DEDUP_WINDOW_S: ['an hour', "RELSYNC_DEDUP_WINDOW_S: expected an integer 0-2592000, got 'an hour'"],
      RELSYNC_MAX_FILE_BYTES: ['0', "RELSYNC_MAX_FILE_BYTES: expected an integer 1-9007199254740991, got '0'"],
      RELSYNC_MAX_ROWS: ['10M', "RELSYNC_MAX_ROWS: expected an integer 1-1000000000, got '10M'"],
      RELSYNC_MAX_FIELD_BYTES: ['15', "RELSYNC_MAX_FIELD_BYTES: expected an integer 16-1073741824, got '15'"],
      RELSYNC_MAX_INLINE_CSV_BYTES: ['0x10', "RELSYNC_MAX_INLINE_CSV_BYTES: expected an integer 1-536870912, got '0x10'"],
      RELSYNC_SHUTDOWN_TIMEOUT_MS: ['forever', "RELSYNC_SHUTDOWN_TIMEOUT_MS: expected an integer 100-3600000, got 'forever'"],
      RELSYNC_LOCK_DURATION_MS: ['999', "RELSYNC_LOCK_DURATION_MS: expected an integer 1000-600000, got '999'"],
      RELSYNC_STALLED_INTERVAL_MS: ['1', "RELSYNC_STALLED_INTERVAL_MS: expected an integer 500-600000, got '1'"],
      RELSYNC_MAX_STALLED_COUNT: ['101', "RELSYNC_MAX_STALLED_COUNT: expected an integer 0-100, got '101'"],
      RELSYNC_IMPORT_CONCURRENCY: ['0', "RELSYNC_IMPORT_CONCURRENCY: expected an integer 1-32, got '0'"],
    };
    const env = Object.fromEntries(Object.entries(bad).map(([name, [value]]) => [name, value]));
    const problems = problemsOf(() => loadConfig(env));
    expect(problems).toEqual(expect.arrayContaining(Object.values(bad).map(([, problem]) => problem)));
    expect(problems).toHaveLength(Object.keys(bad).length);
  });

  it('takes each limit at its bounds, trims spaces, and treats an empty value as unset', () => {
    const config = loadConfig({ RELSYNC_MAX_FIELD_BYTES: ' 16 ', RELSYNC_MAX_ROWS: '1000000000', RELSYNC_MAX_FILE_BYTES: '1', RELSYNC_MAX_INLINE_CSV_BYTES: '' });
    expect(config.limits).toEqual({ maxFieldBytes: 16, maxRows: 1_000_000_000, maxFileBytes: 1, maxInlineCsvBytes: 10 * 1024 * 1024 });
  });

  it('never shows a password it was given in a URL it refuses', () => {
    const problems = problemsOf(() => loadConfig({ ZOHO_ACCOUNTS_URL: 'ftp://admin:hunter2@accounts', REDIS_URL: 'redis//:hunter2@host' }));
    expect(problems.join('; ')).not.toContain('hunter2');
    expect(problems).toEqual(["REDIS_URL: expected a redis: or rediss:// URL, got 'redis//***@host'", "ZOHO_ACCOUNTS_URL: expected a https: or http:// URL, got 'ftp://***:***@accounts'"]);
  });
});

describe('profiles', () => {
  const tmp = useTempDir('relsync-settings-');

  it('answers every bad shape at once, csv.encoding included', () => {
    const problems = problemsOf(() =>
      parseProfile(
        {
          name: 7,
          module: 'Contacts',
          relatedList: ['Deals'],
          base: 'contact_ext_id',
          related: { column: 'deal_ext_id', module: 'Deals!', extra: 1 },
          fields: ['contact_role'],
          csv: { delimiter: '', encoding: 'utf-16' },
        },
        'p.json',
      ),
    );
    expect(problems).toEqual([
      'name: expected a string, got 7',
      'relatedList: expected a Zoho API name (letters, digits, underscore), got an array',
      'base: expected an object, got \'contact_ext_id\'',
      "related: expected only the keys column, externalField, module, got unknown key 'extra'",
      "related.module: expected a Zoho API name (letters, digits, underscore), got 'Deals!'",
      'fields: expected an object, got an array',
      "csv.delimiter: expected one character other than a quote or line break, got ''",
      "csv.encoding: expected one of 'utf-8', 'latin1', got 'utf-16'",
    ]);
  });

  it('answers a csv that is not an object, a field mapped to a number, and a line break as delimiter', () => {
    const base = { module: 'Contacts', relatedList: 'Deals', base: { column: 'c' }, related: { column: 'd' } };
    expect(problemsOf(() => parseProfile({ ...base, csv: ';' }, 'p.json'))).toEqual(["csv: expected an object, got ';'"]);
    expect(problemsOf(() => parseProfile({ ...base, fields: { Contact_Role: 3 } }, 'p.json'))).toEqual(['fields.Contact_Role: expected a column name, or { "column": "…", "lookup": "…" }, got 3']);
    expect(problemsOf(() => parseProfile({ ...base, csv: { delimiter: '\n', encoding: null } }, 'p.json'))).toEqual([
      "csv.delimiter: expected one character other than a quote or line break, got '\\n'",
      "csv.encoding: expected one of 'utf-8', 'latin1', got null",
    ]);
    expect(parseProfile({ ...base, csv: { delimiter: '\t', encoding: 'latin1' } }, 'p.json').csv).toEqual({ delimiter: '\t', encoding: 'latin1' });
  });

  it('names a profile path that is a folder', async () => {
    await mkdir(join(tmp.path, 'folder.json'));
    await expect(loadProfile('folder.json', { cwd: tmp.path })).rejects.toMatchObject({ code: 'PROFILE_INVALID', message: 'folder.json: cannot read the profile (EISDIR)' });
  });
});
