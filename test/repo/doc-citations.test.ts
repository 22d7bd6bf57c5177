/**
 * Every document a comment cites is in the repository: a newcomer who follows `docs/zoho.md#…`, `README.md`
 * or `src/…` from a comment must land somewhere. Scans the `.ts` files of src/, jobs/ and test/ (this file
 * too) for citations of repository paths and fails listing each one whose file is missing, or whose
 * `#anchor` is not a heading of that Markdown file (GitHub's slugs). It also fails on any mention of the
 * documents that live outside the repository (the reference notes and the shared folder of the machine
 * where relsync was first written): cite docs/ instead. See docs/testing.md#citations-of-documents.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED_FOLDERS = ['src', 'jobs', 'test'];

/**
 * A repository path (`docs/zoho.md`, `src/zoho/backoff.ts`, `test/helpers`) or a bare Markdown file name
 * (taken from the repository's root), with an optional `#anchor`. Not preceded by a path or URL
 * character, so `https://…/docs/Errors.md` and `../../src/x.js` imports are not citations (the compiler
 * checks imports).
 */
const CITATION = /(?<![\w./@-])((?:src|test|jobs|workers|bench|examples|docs)\/[\w./-]*|[\w.-]+\.md)(#[\w-]+)?/g;

const OUTSIDE = 'a document outside the repository; cite docs/ instead';

/** Phrases that point outside the repository. Spelled in pieces so that this file can scan itself. */
const FORBIDDEN: ReadonlyArray<{ phrase: string; pattern: RegExp; why: string }> = [
  ...[
    ['fact', 'sheet'].join(' '),
    ['Unknown', '#'].join(' '),
    ['..', 'shared'].join('/'),
    ['', 'work', ''].join('/'),
  ].map((phrase) => ({ phrase, pattern: new RegExp(phrase.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'i'), why: OUTSIDE })),
  // A numbered section names no document of ours; an RFC's sections (RFC 9110 §10.2.3) are fine.
  { phrase: ['§', 'n'].join(''), pattern: /(?<!RFC \d+ )§\s*\d/, why: 'a numbered section of no document in the repository; cite docs/<file>.md#<heading> instead' },
];

/**
 * GitHub's anchor for a heading: inline markup reduced to its text, lower case, every character that
 * is not a letter, digit, mark, underscore, space or hyphen dropped, spaces turned into hyphens.
 */
function githubSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown text: its headings' slugs (repeats get -1, -2 …) and explicit `<a id>`s. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const slug = githubSlug(heading[1]!);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  }
  return anchors;
}

/** What is wrong with the citations in `text` (a file at `where`, relative to `root`): one line each. */
function citationProblems(text: string, where: string, root: string): string[] {
  const problems: Array<{ line: number; text: string }> = [];
  const lineOf = (index: number): number => text.slice(0, index).split('\n').length;
  for (const [i, line] of text.split('\n').entries()) {
    for (const { phrase, pattern, why } of FORBIDDEN) {
      if (pattern.test(line)) problems.push({ line: i + 1, text: `mentions '${phrase}', ${why}` });
    }
  }
  for (const match of text.matchAll(CITATION)) {
    const path = match[1]!.replace(/[./]+$/, '');
    const anchor = match[2]?.slice(1);
    const cited = `${path}${match[2] ?? ''}`;
    if (path.split('/').includes('..')) continue;
    const file = resolve(root, path);
    if (!existsSync(file)) {
      problems.push({ line: lineOf(match.index), text: `cites ${cited}, but ${path} is not in the repository` });
    } else if (anchor !== undefined && path.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) {
      problems.push({ line: lineOf(match.index), text: `cites ${cited}, but ${path} has no heading whose anchor is #${anchor}` });
    }
  }
  return problems.sort((a, b) => a.line - b.line).map((problem) => `${where}:${problem.line}: ${problem.text}`);
}

function tsFilesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'fixtures' && entry.name !== 'node_modules') files.push(...tsFilesUnder(path));
    } else if (entry.name.endsWith('.ts')) {
      files.push(path);
    }
  }
  return files;
}

describe('citations of documents in comments', () => {
  it('every cited repository file and anchor exists, and nothing cites documents outside the repository', () => {
    const files = SCANNED_FOLDERS.flatMap((folder) => tsFilesUnder(join(ROOT, folder)));
    expect(files.length).toBeGreaterThan(100);
    const problems = files.flatMap((file) => citationProblems(readFileSync(file, 'utf8'), relative(ROOT, file), ROOT));
    expect(problems, `\n${problems.join('\n')}\n`).toEqual([]);
  });
});

describe('the citation checker itself', () => {
  it("follows GitHub's slug rules", () => {
    expect(githubSlug('Unknown: what a 429 says')).toBe('unknown-what-a-429-says');
    expect(githubSlug('Bulk alternatives, and why relsync does not use them')).toBe('bulk-alternatives-and-why-relsync-does-not-use-them');
    expect(githubSlug('`ZOHO_DC` and the [data centre](https://example.com)')).toBe('zoho_dc-and-the-data-centre');
    expect([...anchorsOf('# A\n## Report\n```\n## Not a heading\n```\n### Report\n')]).toEqual(['a', 'report', 'report-1']);
  });

  it('reports a missing file, a missing anchor and a document outside the repository', () => {
    // Paths spelled with ${…} so that the scan of this very file does not find them.
    const [docs, src, outside, section] = ['docs', 'src', ['fact', 'sheet'].join(' '), ['§', '2'].join('')];
    const text = [
      `/** See ${docs}/no-such-file.md and ${docs}/testing.md#no-such-heading,`,
      ` * ${docs}/testing.md#citations-of-documents (fine) and the ${outside} ${section}. */`,
      `const x = '${src}/nowhere/gone.ts';`,
    ].join('\n');
    expect(citationProblems(text, 'example.ts', ROOT)).toEqual([
      `example.ts:1: cites ${docs}/no-such-file.md, but ${docs}/no-such-file.md is not in the repository`,
      `example.ts:1: cites ${docs}/testing.md#no-such-heading, but ${docs}/testing.md has no heading whose anchor is #no-such-heading`,
      `example.ts:2: mentions '${outside}', a document outside the repository; cite docs/ instead`,
      `example.ts:2: mentions '${['§', 'n'].join('')}', a numbered section of no document in the repository; cite docs/<file>.md#<heading> instead`,
      `example.ts:3: cites ${src}/nowhere/gone.ts, but ${src}/nowhere/gone.ts is not in the repository`,
    ]);
  });
});
