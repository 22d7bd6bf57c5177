import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../../src/csv/delimiter.js';

const detect = (text: string): string => detectDelimiter(Buffer.from(text, 'utf8'));

describe('detectDelimiter', () => {
  it('picks the candidate found most often on the header line', () => {
    expect(detect('a,b,c\n1;2;3;4;5\n')).toBe(',');
    expect(detect('a;b;c\n1,2,3,4,5\n')).toBe(';');
    expect(detect('a\tb\tc\r\n1,2\n')).toBe('\t');
  });

  it('ignores delimiters inside quotes, doubled quotes included', () => {
    expect(detect('"a,b,c";"d";"e ""x,y"""\n')).toBe(';');
    expect(detect('"a;b;c;d",e,f\n')).toBe(',');
  });

  it('reads past leading blank lines and a BOM, and stops at the first line break outside quotes', () => {
    expect(detect('\n\r\n\uFEFFa;b\n1,2,3,4\n')).toBe(';');
    expect(detect('"a\nb;c;d",e,f;g\n')).toBe(',');
  });

  it('says , on a tie with it, and for a one-column header', () => {
    expect(detect('a,b;c\n')).toBe(',');
    expect(detect('only\n1\n')).toBe(',');
    expect(detect('')).toBe(',');
  });
});
