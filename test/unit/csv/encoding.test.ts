import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCsv } from '../../../src/csv/csv-reader.js';
import { ChunkDecoder, EncodingProblem, LineCounter } from '../../../src/csv/encoding.js';
import { useTempDir } from '../../helpers/temp-dir.js';

/** Feeds `bytes` cut at `cuts` and returns the UTF-8 text the parser would get. */
function decodeIn(bytes: Buffer, cuts: number[], decoder = new ChunkDecoder()): string {
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(decoder.decode(bytes.subarray(from, cut)));
    from = cut;
  }
  decoder.end();
  return Buffer.concat(out).toString('utf8');
}

function problemOf(run: () => unknown): EncodingProblem {
  try {
    run();
  } catch (error) {
    if (error instanceof EncodingProblem) return error;
    throw error;
  }
  throw new Error('expected an EncodingProblem');
}

describe('ChunkDecoder', () => {
  const text = 'a,b\nÜ€😀,x\n';
  const utf8 = Buffer.from(text, 'utf8');

  it('passes valid UTF-8 through untouched wherever the chunks cut a character', () => {
    for (let cut = 1; cut < utf8.length; cut++) expect(decodeIn(utf8, [cut])).toBe(text);
    const decoder = new ChunkDecoder();
    expect(decoder.decode(utf8)).toBe(utf8); // the same Buffer: no copy on the common path
    expect(decoder.encoding).toBe('UTF-8');
  });

  it('finds an invalid byte at its file offset, across chunk boundaries too', () => {
    const bad = Buffer.concat([Buffer.from('abc\n'), Buffer.from([0xe2, 0x82]), Buffer.from('x\n')]); // € cut short
    for (const cuts of [[], [5], [4, 6]]) {
      const problem = problemOf(() => decodeIn(bad, cuts));
      expect({ offset: problem.offset, detail: problem.detail }).toEqual({ offset: 4, detail: "not valid UTF-8 (looks like Latin-1 / Windows-1252: byte 0xE2 would be 'â'); save it as UTF-8, or set \"csv\": { \"encoding\": \"latin1\" } in the profile" });
    }
  });

  it('refuses a file that ends inside a character', () => {
    const problem = problemOf(() => decodeIn(Buffer.from([0x61, 0x0a, 0xf0, 0x9f]), [3]));
    expect({ offset: problem.offset, detail: problem.detail }).toEqual({ offset: 2, detail: 'not valid UTF-8 (the file ends inside a character); save it as UTF-8' });
  });

  it('converts UTF-16 LE and BE with a BOM, whatever the chunks cut (odd bytes, surrogate pairs)', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    for (const [bytes, name] of [[le, 'UTF-16LE'], [be, 'UTF-16BE']] as const) {
      for (let cut = 1; cut < bytes.length; cut++) {
        const decoder = new ChunkDecoder();
        expect(decodeIn(bytes, [cut], decoder)).toBe(text);
        expect(decoder.encoding).toBe(name);
      }
    }
  });

  it('refuses an unpaired surrogate in UTF-16, at its offset', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ab', 'utf16le'), Buffer.from([0x3d, 0xd8]), Buffer.from('c', 'utf16le')]);
    const problem = problemOf(() => decodeIn(bytes, []));
    expect({ offset: problem.offset, found: problem.found, detail: problem.detail }).toEqual({ offset: 6, found: 'UTF-16LE', detail: 'not valid UTF-16LE (an unpaired surrogate, U+D83D)' });
  });

  it('reads Windows-1252 when told to, 0x80-0x9F included', () => {
    const decoder = new ChunkDecoder('latin1');
    expect(decodeIn(Buffer.from([0x93, 0x80, 0x94, 0xe9, 0x8a, 0x81]), [2], decoder)).toBe('“€”éŠ\u0081');
    expect(decoder.encoding).toBe('Windows-1252');
  });

  it('lets a BOM win over csv.encoding latin1', () => {
    const decoder = new ChunkDecoder('latin1');
    expect(decodeIn(Buffer.from('\uFEFFé', 'utf8'), [], decoder)).toBe('\uFEFFé'); // csv-parse drops the BOM
    expect(decoder.encoding).toBe('UTF-8');
  });

  it('refuses NUL bytes on the header line: UTF-16 without a BOM, or a binary file', () => {
    expect(problemOf(() => decodeIn(Buffer.from('a,b\n', 'utf16le'), [])).detail).toMatch(/^the header has NUL bytes between its characters: this looks like UTF-16 saved without a byte-order mark/);
    expect(problemOf(() => decodeIn(Buffer.from('PK\u0003\u0004\u0000\u0000abcdefgh\n', 'latin1'), [])).detail).toBe('the header has NUL bytes: this is a binary file, not CSV text');
    expect(decodeIn(Buffer.from('a,b\nx,\u0000\n'), [])).toBe('a,b\nx,\u0000\n'); // a NUL in a cell is the cell's business
  });
});

describe('LineCounter', () => {
  it('counts CRLF, LF and CR each as one line break, also across chunks', () => {
    const counter = new LineCounter(1);
    counter.feed(Buffer.from('a\r'));
    counter.feed(Buffer.from('\nb\nc\rd'));
    expect(counter.line).toBe(4);
  });
});

describe('openCsv and encodings', () => {
  const tmp = useTempDir('relsync-encoding-');

  it('reads the header of a file whose bad byte comes after the first chunk, then fails on reaching it with its line', async () => {
    const path = join(tmp.path, 'late-latin1.csv');
    const rows = Array.from({ length: 5_000 }, (_, i) => `C-${i},"D-${i}\r\nsecond line"`);
    await writeFile(path, Buffer.concat([Buffer.from(`a,b\n${rows.join('\n')}\nC-x,`), Buffer.from([0xe9]), Buffer.from('\n')]));
    const source = await openCsv(path);
    expect(source.header).toEqual(['a', 'b']);
    const read = async (): Promise<number> => {
      let count = 0;
      for await (const _record of source.records) count++;
      return count;
    };
    await expect(read()).rejects.toMatchObject({ code: 'FILE_INVALID', message: `${path}: line 10002: not valid UTF-8 (looks like Latin-1 / Windows-1252: byte 0xE9 would be 'é'); save it as UTF-8, or set "csv": { "encoding": "latin1" } in the profile` });
  });

  it('names the line of a bad character in UTF-16', async () => {
    const path = join(tmp.path, 'bad-utf16.csv');
    await writeFile(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\r\nx,y\r\nz,', 'utf16le'), Buffer.from([0x00, 0xdc]), Buffer.from('\r\n', 'utf16le')]));
    await expect(openCsv(path)).rejects.toMatchObject({ code: 'FILE_INVALID', message: `${path}: line 3: not valid UTF-16LE (an unpaired surrogate, U+DC00)` });
  });
});
