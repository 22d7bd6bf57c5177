import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../../src/csv/delimiter.js';

const detect = (text: string): string => detectDelimiter(Buffer.from(text, 'utf8'));

/** Each rule with its cases: the text, and the delimiter detected in it. */
const RULES: Array<[rule: string, cases: Array<[text: string, delimiter: string]>]> = [
  ['picks the candidate found most often on the header line', [
    ['a,b,c\n1;2;3;4;5\n', ','],
    ['a;b;c\n1,2,3,4,5\n', ';'],
    ['a\tb\tc\r\n1,2\n', '\t'],
  ]],
  ['ignores delimiters inside quotes, doubled quotes included', [
    ['"a,b,c";"d";"e ""x,y"""\n', ';'],
    ['"a;b;c;d",e,f\n', ','],
  ]],
  ['reads past leading blank lines and a BOM, and stops at the first line break outside quotes', [
    ['\n\r\n\uFEFFa;b\n1,2,3,4\n', ';'],
    ['"a\nb;c;d",e,f;g\n', ','],
  ]],
  ['says , on a tie with it, and for a one-column header', [
    ['a,b;c\n', ','],
    ['only\n1\n', ','],
    ['', ','],
  ]],
];

describe('detectDelimiter', () => {
  it.each(RULES)('%s', (_rule, cases) => {
    for (const [text, delimiter] of cases) expect(detect(text), JSON.stringify(text)).toBe(delimiter);
  });
});
