/** Locations (src/storage/location.ts) and known_hosts matching (src/storage/known-hosts.ts): pure, no connection. */
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { knownKeysFor } from '../../../src/storage/known-hosts.js';
import { childOf, formatLocation, isRemote, nameOf, parentOf, parseLocation } from '../../../src/storage/location.js';

const refusal = (value: string): string => {
  try {
    parseLocation(value, 'file');
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  }
  return 'accepted';
};

describe('locations', () => {
  it('reads each kind of URL, and a path as a path', () => {
    expect(parseLocation('sftp://exports@sftp.example.com:2222/out/deals.csv', 'file')).toEqual({ kind: 'sftp', user: 'exports', host: 'sftp.example.com', port: 2222, path: '/out/deals.csv' });
    expect(parseLocation('s3://bucket/nightly/deals.csv', 'file')).toEqual({ kind: 's3', bucket: 'bucket', key: 'nightly/deals.csv' });
    expect(parseLocation('https://example.com/x.csv?day=1', 'file')).toEqual({ kind: 'https', url: 'https://example.com/x.csv?day=1' });
    expect(parseLocation('./deals.csv', 'file')).toEqual({ kind: 'local', path: './deals.csv' });
    expect(isRemote('S3://b/k')).toBe(true);
    expect(isRemote('/data/s3:/x')).toBe(false);
  });

  it('refuses credentials inside a URL, naming where they belong and never showing them', () => {
    expect(refusal('sftp://u:hunter2@h/x.csv')).toBe("SOURCE_URL_INVALID: file: credentials inside a URL are refused ('sftp://u:***@h/x.csv'): the private key comes from the file named by RELSYNC_SFTP_KEY_FILE");
    expect(refusal('s3://AKIAXXXX:secret@bucket/x.csv')).toBe("SOURCE_URL_INVALID: file: credentials inside a URL are refused ('s3://***:***@bucket/x.csv'): keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    expect(refusal('https://h/x.csv?X-Amz-Signature=abc123&X-Amz-Credential=AKIA')).toBe("SOURCE_URL_INVALID: file: credentials inside a URL are refused ('https://h/x.csv?***'): an Authorization header value comes from RELSYNC_HTTP_AUTHORIZATION");
    expect(refusal('sftp://h/x.csv')).toBe("SOURCE_URL_INVALID: file: expected sftp://user@host[:port]/path, got 'sftp://h/x.csv'");
    expect(refusal('http://h/x.csv')).toBe("SOURCE_URL_INVALID: file: expected https:// (a file is not fetched in the clear), got 'http://h/x.csv'");
  });

  it('names children, parents and files the same way for every kind', () => {
    const sftp = parseLocation('sftp://u@h:2222/in', 'WATCH_DIR');
    expect(formatLocation(childOf(sftp, 'processing/a b.csv'))).toBe('sftp://u@h:2222/in/processing/a%20b.csv');
    const s3 = parseLocation('s3://bucket/in/', 'WATCH_DIR');
    expect(formatLocation(childOf(s3, 'x.csv'))).toBe('s3://bucket/in/x.csv');
    expect(formatLocation(parentOf(parseLocation('s3://bucket/in/x.csv', 'f')))).toBe('s3://bucket/in');
    expect(nameOf(parseLocation('https://h/exports/deals.csv', 'f'))).toBe('deals.csv');
    expect(formatLocation(parseLocation(formatLocation(childOf(sftp, 'a b.csv')), 'f'))).toBe('sftp://u@h:2222/in/a%20b.csv');
  });
});

describe('known_hosts', () => {
  const key = randomBytes(51);
  const b64 = key.toString('base64');

  it('finds a host by name, by [host]:port, and by its hashed name; never a revoked key', () => {
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.0.5]:2222').digest('base64')}`;
    const file = [
      '# comment', `sftp.example.com,192.0.2.1 ssh-ed25519 ${b64}`, `[127.0.0.1]:2222 ssh-ed25519 ${b64} test`,
      `${hashed} ssh-ed25519 ${b64}`, `@revoked old.example.com ssh-ed25519 ${b64}`, '',
    ].join('\n');
    expect(knownKeysFor(file, 'sftp.example.com', 22).keys).toEqual([key]);
    expect(knownKeysFor(file, '127.0.0.1', 2222).keys).toEqual([key]);
    expect(knownKeysFor(file, '127.0.0.1', 22).keys).toEqual([]);
    expect(knownKeysFor(file, '10.0.0.5', 2222).keys).toEqual([key]);
    expect(knownKeysFor(file, 'old.example.com', 22)).toEqual({ keys: [], revoked: [key] });
  });

  it('reads what ssh-keygen -H writes (hashed names)', () => {
    const dir = execFileSync('mktemp', ['-d']).toString().trim();
    execFileSync('sh', ['-c', `printf '[127.0.0.1]:2200 ssh-ed25519 ${b64}\\n' > ${dir}/kh && ssh-keygen -H -f ${dir}/kh >/dev/null 2>&1`]);
    const hashed = execFileSync('cat', [`${dir}/kh`]).toString();
    execFileSync('rm', ['-rf', dir]);
    expect(hashed.startsWith('|1|')).toBe(true);
    expect(knownKeysFor(hashed, '127.0.0.1', 2200).keys).toEqual([key]);
  });
});
