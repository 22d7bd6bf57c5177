/**
 * `.env` in the working folder, read when `relsync` starts: real `relsync` processes in a folder with
 * a real .env file. Variables already set in the environment win; a .env that cannot be read whole
 * is one line naming it and its line (never the line's text: it may hold a secret), and exit 1.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { checkEnvSyntax } from '../../src/config/env-file.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startRelsync } from '../helpers/relsync-process.js';

interface Run { code: number | null; stdout: string; stderr: string }

async function relsyncIn(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = startRelsync(args, env, cwd);
  const code = await child.exited;
  return { code: typeof code === 'number' ? code : null, stdout: child.stdout(), stderr: child.stderr() };
}

const tmp = useTempDir('relsync-env-file-');

describe('relsync reads .env at start', () => {
  it('uses the file\'s variables, and those already in the environment win', async () => {
    await writeFile(join(tmp.path, '.env'), `# settings\nexport REDIS_URL=${inject('redisUrl')}\nZOHO_CONCURRENCY=ten\n`);
    // Read: its ZOHO_CONCURRENCY is the one validated.
    const fromFile = await relsyncIn(tmp.path, ['status', 'imp-none']);
    expect(fromFile).toEqual({ code: 1, stdout: '', stderr: "relsync: invalid configuration: ZOHO_CONCURRENCY: expected an integer 1-25, got 'ten'\n" });
    // The environment's wins; the file's REDIS_URL is used (the import is looked up in that Redis).
    const fromEnv = await relsyncIn(tmp.path, ['status', 'imp-none'], { ZOHO_CONCURRENCY: '5' });
    expect(fromEnv).toEqual({ code: 1, stdout: '', stderr: "relsync: imp-none: no such import (see 'relsync list')\n" });
  });

  it('refuses a .env with a line it cannot read: one line naming the file and line, exit 1, no secret shown', async () => {
    await writeFile(join(tmp.path, '.env'), 'ZOHO_DC=eu\n\nZOHO_CLIENT_SECRET hunter2\n');
    expect(await relsyncIn(tmp.path, ['status', 'imp-none'])).toEqual({
      code: 1, stdout: '', stderr: "relsync: .env: line 3: expected NAME=value, got a line without '=' (the line is not shown: it may hold a secret)\n",
    });
    await writeFile(join(tmp.path, '.env'), 'ZOHO_DC=eu\nZOHO_REFRESH_TOKEN="1000.hunter2\nZOHO_CLIENT_ID=x\n');
    const unclosed = await relsyncIn(tmp.path, ['--version']);
    expect(unclosed).toEqual({
      code: 1, stdout: '', stderr: 'relsync: .env: line 2: expected a closing ", got none: the quote opened on this line is never closed (the line is not shown: it may hold a secret)\n',
    });
  });
});

describe('checkEnvSyntax', () => {
  const check = (text: string) => () => checkEnvSyntax(text, '.env');

  it('accepts what Node\'s parser reads: comments, blank lines, export, quotes over several lines, CRLF, a BOM', () => {
    expect(check('\uFEFF# c\r\n\r\nexport A=1\r\nB = two words # comment\nC="multi\nline" # c\nD=\'x\'\nE=`y`\nF=\nG.H-I=1\n  J=2\n')).not.toThrow();
  });

  it('refuses a line without =, a bad name, an unclosed quote and text after a closing quote, naming the line', () => {
    const cases: Array<[string, string]> = [
      ['A=1\nB\n', ".env: line 2: expected NAME=value, got a line without '='"],
      ['1A=2', '.env: line 1: expected NAME=value with a name of letters, digits and _, got another name'],
      ['=x', '.env: line 1: expected NAME=value with a name of letters, digits and _, got another name'],
      ["A='x\nB=2\n", ".env: line 1: expected a closing ', got none: the quote opened on this line is never closed"],
      ['A="x\\"y"', '.env: line 1: expected nothing but a # comment after the closing quote, got more text'],
      ['A="multi\nline" junk\n', '.env: line 2: expected nothing but a # comment after the closing quote, got more text'],
    ];
    for (const [text, message] of cases) expect(check(text), text).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: `${message} (the line is not shown: it may hold a secret)` }));
  });
});
