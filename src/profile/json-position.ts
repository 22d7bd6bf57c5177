/**
 * Where a JSON text stops being valid, as a line and column a user can jump to. Node 20's JSON.parse
 * names the position for some errors but not for others ("Unexpected token '}', … is not valid JSON"),
 * so after a failed parse we find it with a small scanner of the JSON grammar.
 */
export interface JsonPosition {
  /** 0-based offset in the text. */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
}

/** Position of the first syntax error (the end of the text when it is merely cut short). */
export function jsonErrorPosition(text: string): JsonPosition {
  const offset = firstErrorOffset(text);
  const before = text.slice(0, offset);
  const lineStart = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r')) + 1;
  const line = (before.match(/\r\n|\r|\n/g)?.length ?? 0) + 1;
  return { offset, line, column: offset - lineStart + 1 };
}

class SyntaxAt {
  constructor(readonly offset: number) {}
}

/** Deeper than any real profile; keeps a hostile file from exhausting the stack. */
const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;
const ESCAPES = '"\\/bfnrt';

function firstErrorOffset(text: string): number {
  const scanner = new JsonScanner(text);
  try {
    scanner.value(0);
    scanner.skipSpace();
    return scanner.pos;
  } catch (error) {
    if (error instanceof SyntaxAt) return error.offset;
    throw error;
  }
}

/** Walks the JSON grammar (RFC 8259) and throws SyntaxAt at the first character that breaks it. */
class JsonScanner {
  pos = 0;

  constructor(private readonly text: string) {}

  value(depth: number): void {
    this.skipSpace();
    if (depth > MAX_DEPTH) this.fail();
    const char = this.text.charAt(this.pos);
    if (char === '{') this.sequence('}', () => this.member(depth + 1));
    else if (char === '[') this.sequence(']', () => this.value(depth + 1));
    else if (char === '"') this.string();
    else if (char === '-' || (char >= '0' && char <= '9')) this.pattern(NUMBER);
    else this.literal();
  }

  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text.charAt(this.pos))) this.pos++;
  }

  private member(depth: number): void {
    this.skipSpace();
    if (this.text.charAt(this.pos) !== '"') this.fail();
    this.string();
    this.skipSpace();
    this.expect(':');
    this.value(depth);
  }

  private sequence(close: string, item: () => void): void {
    this.pos++; // the opening bracket
    this.skipSpace();
    if (this.text.charAt(this.pos) !== close) {
      for (;;) {
        item();
        this.skipSpace();
        if (this.text.charAt(this.pos) === close) break;
        this.expect(',');
      }
    }
    this.pos++;
  }

  private string(): void {
    this.pos++; // the opening quote
    for (;;) {
      const char = this.text.charAt(this.pos);
      if (char === '"') break;
      if (char === '' || char.charCodeAt(0) < 0x20) this.fail();
      this.pos++;
      if (char === '\\') this.escape();
    }
    this.pos++;
  }

  private escape(): void {
    const char = this.text.charAt(this.pos);
    if (char === 'u') {
      this.pos++;
      this.pattern(HEX4);
    } else if (char !== '' && ESCAPES.includes(char)) this.pos++;
    else this.fail();
  }

  private pattern(regex: RegExp): void {
    regex.lastIndex = this.pos;
    if (!regex.test(this.text)) this.fail();
    this.pos = regex.lastIndex;
  }

  private literal(): void {
    const word = ['true', 'false', 'null'].find((w) => this.text.startsWith(w, this.pos));
    if (word === undefined) this.fail();
    else this.pos += word.length;
  }

  private expect(char: string): void {
    if (this.text.charAt(this.pos) !== char) this.fail();
    this.pos++;
  }

  private fail(): never {
    throw new SyntaxAt(Math.min(this.pos, this.text.length));
  }
}
