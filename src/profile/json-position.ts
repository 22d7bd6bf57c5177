/**
 * Where a JSON text stops being valid, as a line and column a user can jump to. Node 20's JSON.parse
 * names the position for some errors but not for others ("Unexpected token '}', … is not valid JSON"),
 * so after a failed parse we find it with a small scanner of the JSON grammar. The same scanner finds
 * where given keys are in a valid text (JSON.parse keeps no positions), for messages about a key.
 */
export interface JsonPosition {
  /** 0-based offset in the text. */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
}

/** A member key of a JSON text: its decoded name, its path from the root, where its opening quote is. */
export interface JsonKey extends JsonPosition {
  key: string;
  /** e.g. `fields.Contact_Role`, `csv.list[0].name`; the same as keyPath gives for the parsed value. */
  path: string;
}

/** Position of the first syntax error (the end of the text when it is merely cut short). */
export function jsonErrorPosition(text: string): JsonPosition {
  return positionAt(text, firstErrorOffset(text));
}

/**
 * The member keys of a valid JSON text that `wanted` picks, in text order, each with its line and
 * column. Keys are compared decoded, so "\u005f_proto__" is found as `__proto__`.
 */
export function findJsonKeys(text: string, wanted: (key: string) => boolean): JsonKey[] {
  const found: JsonKey[] = [];
  const scanner = new JsonScanner(text, (key, offset, path) => {
    if (wanted(key)) found.push({ key, path: keyPath(path), ...positionAt(text, offset) });
  });
  scanner.value(0);
  return found;
}

/** `['csv', 'list', 0, 'name']` -> `csv.list[0].name`. */
export function keyPath(segments: ReadonlyArray<string | number>): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path === '' ? segment : `.${segment}`;
  }
  return path;
}

function positionAt(text: string, offset: number): JsonPosition {
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
  /** Keys and indexes from the root to the value being scanned. */
  private readonly path: Array<string | number> = [];

  constructor(
    private readonly text: string,
    /** Told of each member key (decoded), the offset of its opening quote and its path. */
    private readonly onKey?: (key: string, offset: number, path: ReadonlyArray<string | number>) => void,
  ) {}

  value(depth: number): void {
    this.skipSpace();
    if (depth > MAX_DEPTH) this.fail();
    const char = this.text.charAt(this.pos);
    if (char === '{') this.sequence('}', () => this.member(depth + 1));
    else if (char === '[') this.sequence(']', (index) => this.within(index, () => this.value(depth + 1)));
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
    const start = this.pos;
    this.string();
    // Only asked for on a text JSON.parse accepted, so the key decodes.
    const key = this.onKey === undefined ? '' : (JSON.parse(this.text.slice(start, this.pos)) as string);
    this.onKey?.(key, start, [...this.path, key]);
    this.skipSpace();
    this.expect(':');
    this.within(key, () => this.value(depth));
  }

  private within(segment: string | number, scan: () => void): void {
    if (this.onKey === undefined) return scan();
    this.path.push(segment);
    scan();
    this.path.pop();
  }

  private sequence(close: string, item: (index: number) => void): void {
    this.pos++; // the opening bracket
    this.skipSpace();
    if (this.text.charAt(this.pos) !== close) {
      for (let index = 0; ; index++) {
        item(index);
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
