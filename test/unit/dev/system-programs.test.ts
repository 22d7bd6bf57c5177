/**
 * The installer the demo and the test setup share, asked with a PATH that lacks redis-server and
 * Chromium (a temporary folder), never by uninstalling anything: what it decides, the one line it
 * gives when it cannot install, and an install through a stand-in apt-get.
 */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CHROMIUM, findExecutable, planPrograms, providePrograms, REDIS_SERVER } from '../../../src/dev/system-programs.js';
import { useTempDir } from '../../helpers/temp-dir.js';

describe('the system programs the demo and the tests need', () => {
  const tmp = useTempDir('relsync-path-');
  /** PATH for one test: an empty folder of its own. */
  const bin = { path: '' };
  beforeEach(async () => {
    bin.path = await mkdtemp(join(tmp.path, 'bin-'));
  });
  /** Only that folder, not even /usr/bin: a machine without them. */
  const which = (name: string) => findExecutable(name, bin.path, []);

  async function executable(name: string, text = '#!/bin/sh\n'): Promise<void> {
    await writeFile(join(bin.path, name), text);
    await chmod(join(bin.path, name), 0o755);
  }

  it('says in one line each what to install when it may not install (not root)', async () => {
    expect(await planPrograms([REDIS_SERVER, CHROMIUM], { which, isRoot: false })).toEqual({
      kind: 'missing',
      lines: [
        'redis-server is not installed: run `sudo apt-get install -y redis-server` (Debian/Ubuntu) or install `brew install redis` (macOS)',
        'chromium is not installed: run `sudo apt-get install -y chromium` (Debian/Ubuntu) or install any Chromium, as /usr/bin/chromium or on PATH',
      ],
    });
  });

  it('installs the missing ones with apt-get as root, and only those', async () => {
    await executable('apt-get');
    await executable('redis-server');
    expect(await planPrograms([REDIS_SERVER, CHROMIUM], { which, isRoot: true })).toEqual({ kind: 'install', aptGet: join(bin.path, 'apt-get'), packages: ['chromium'] });
    expect(await planPrograms([REDIS_SERVER, CHROMIUM], { which, isRoot: false })).toMatchObject({ kind: 'missing', lines: [expect.stringMatching(/^chromium is not installed/)] });
  });

  it('says what to install as root on a system without apt-get', async () => {
    expect(await planPrograms([REDIS_SERVER], { which, isRoot: true })).toMatchObject({ kind: 'missing' });
  });

  it('finds them on PATH', async () => {
    await executable('redis-server');
    await executable('chromium');
    expect(await planPrograms([REDIS_SERVER, CHROMIUM], { which, isRoot: false })).toEqual({ kind: 'found', paths: [join(bin.path, 'redis-server'), join(bin.path, 'chromium')] });
  });

  it('runs apt-get update, then one apt-get install, then finds what it installed', async () => {
    // A stand-in apt-get that records its arguments and "installs" each package as an executable.
    await executable('apt-get', `#!${process.execPath}
const fs = require('node:fs'), path = require('node:path'), dir = path.dirname(process.argv[1]), args = process.argv.slice(2);
fs.appendFileSync(path.join(dir, 'apt-get.log'), args.join(' ') + '\\n');
if (args[0] === 'install') for (const pkg of args.slice(1).filter((a) => !a.startsWith('-'))) fs.writeFileSync(path.join(dir, pkg), '#!/bin/sh\\n', { mode: 0o755 });
`);
    const lines: string[] = [];
    const found = await providePrograms([REDIS_SERVER, CHROMIUM], { path: bin.path, which, isRoot: true, log: (line) => lines.push(line) });
    expect(found).toEqual([{ path: join(bin.path, 'redis-server') }, { path: join(bin.path, 'chromium') }]);
    expect(await readFile(join(bin.path, 'apt-get.log'), 'utf8')).toBe('update -qq\ninstall -y -qq --no-install-recommends redis-server chromium\n');
    expect(lines[0]).toBe('not installed: redis-server, chromium; installing from Debian packages (root, apt-get; this takes a few minutes)…');
  });

  it('answers the line for what it could not install', async () => {
    await executable('apt-get', '#!/bin/sh\nexit 100\n'); // apt-get fails (no network, say)
    const lines: string[] = [];
    const found = await providePrograms([REDIS_SERVER], { path: bin.path, which, isRoot: true, log: (line) => lines.push(line) });
    expect(found).toEqual([{ missing: 'redis-server is not installed: run `sudo apt-get install -y redis-server` (Debian/Ubuntu) or install `brew install redis` (macOS)' }]);
    expect(lines).toContain(`${join(bin.path, 'apt-get')} failed (100): `);
  });
});
