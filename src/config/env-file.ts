/**
 * The `.env` file of the working folder, read when `relsync` starts (docs/contract.md#environment: "a `.env` file in the
 * working folder is read at start (variables already set win)"). Node's own `process.loadEnvFile`
 * parses it and sets only variables not already set. Its parser skips what it cannot read without a
 * word (a line without `=`, a quote never closed swallows nothing and the value keeps the quote), so a
 * typo would silently drop a setting: we check the syntax first and refuse the file with one line
 * naming it and the line. The line's text is never shown: a .env holds secrets.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, UserError } from '../errors.js';

/** `NAME=value`, `export NAME=value`; names as dotenv allows them (letters, digits, `_`, `.`, `-`). */
const ASSIGNMENT = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=[ \t]*/;
const QUOTES = `"'\``;

/**
 * Reads `<cwd>/.env` into process.env, leaving variables already set as they are. No file: nothing
 * happens. Throws UserError CONFIG_INVALID ".env: line N: …" on a line it cannot read.
 */
export async function loadEnvFile(cwd: string): Promise<void> {
  const path = join(cwd, '.env');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new UserError(ErrorCodes.CONFIG_INVALID, `.env: cannot be read (${code ?? String(error)})`, { cause: error });
  }
  checkEnvSyntax(text, '.env');
  process.loadEnvFile(path);
}

/** Throws UserError CONFIG_INVALID "<shown>: line N: expected …, got …" at the first line that is not `NAME=value`. */
export function checkEnvSyntax(text: string, shown: string): void {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const invalid = (index: number, what: string): UserError =>
    new UserError(ErrorCodes.CONFIG_INVALID, `${shown}: line ${index + 1}: ${what} (the line is not shown: it may hold a secret)`);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (isBlankOrComment(line)) continue;
    const assignment = ASSIGNMENT.exec(line);
    if (assignment === null) {
      throw invalid(i, line.includes('=') ? 'expected NAME=value with a name of letters, digits and _, got another name' : "expected NAME=value, got a line without '='");
    }
    const value = line.slice(assignment[0].length);
    const quote = value.charAt(0);
    if (quote === '' || !QUOTES.includes(quote)) continue;
    // A quoted value may span lines; it ends at the same quote, followed by nothing but a comment.
    const opened = i;
    let rest = value.slice(1);
    while (!rest.includes(quote) && i + 1 < lines.length) rest = lines[++i] as string;
    const end = rest.indexOf(quote);
    if (end === -1) throw invalid(opened, `expected a closing ${quote}, got none: the quote opened on this line is never closed`);
    if (!isBlankOrComment(rest.slice(end + 1))) throw invalid(i, 'expected nothing but a # comment after the closing quote, got more text');
  }
}

function isBlankOrComment(text: string): boolean {
  return /^\s*(#.*)?$/.test(text);
}
