/**
 * Compact column storage for the grouper: a million rows must fit in a few tens of MB, so rows are
 * kept as numbers in typed arrays and strings as UTF-8 bytes in one buffer, never as objects.
 */

/** A growable Uint32Array: one 4-byte slot per row instead of a JS array's boxed values. */
export class Uint32Column {
  private data: Uint32Array;
  private size = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Uint32Array(initialCapacity);
  }

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.data.length) this.data = grown(this.data, this.size + 1);
    this.data[this.size++] = value;
  }

  at(index: number): number {
    return this.data[index] as number;
  }

  /** The filled part, without copying. */
  view(): Uint32Array {
    return this.data.subarray(0, this.size);
  }

  /** Frees the storage once its data has been used up. */
  clear(): void {
    this.data = new Uint32Array(0);
    this.size = 0;
  }
}

/**
 * Strings stored back to back as UTF-8: a short id costs its bytes plus a 4-byte end offset, where a
 * JS string costs ~24-40 bytes of heap and a pointer. Decoded again only when read.
 */
export class StringArena {
  private bytes = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  private readonly ends = new Uint32Column();
  /** True while every string pushed was ASCII: a byte is then a character, both ways. */
  private isAscii = true;

  get length(): number {
    return this.ends.length;
  }

  push(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit, so this much room is always enough.
    const needed = this.used + text.length * 3;
    if (needed > this.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(needed, this.bytes.length * 2));
      this.bytes.copy(bigger, 0, 0, this.used);
      this.bytes = bigger;
    }
    this.used += this.write(text, this.used);
    this.ends.push(this.used);
  }

  at(index: number): string {
    const start = this.startOf(index);
    const end = this.ends.at(index);
    if (!this.isAscii || end - start > SHORT_STRING) return this.bytes.toString('utf8', start, end);
    // Ids are a few bytes: a loop beats Buffer#toString's call into C++ (~1.7x on 1M ids), and
    // strings this short are built flat.
    let text = '';
    for (let i = start; i < end; i++) text += String.fromCharCode(this.bytes[i] as number);
    return text;
  }

  /** Whether strings `a` and `b` are the same, compared as bytes, without decoding either. */
  equals(a: number, b: number): boolean {
    const startA = this.startOf(a);
    const startB = this.startOf(b);
    const length = this.ends.at(a) - startA;
    if (length !== this.ends.at(b) - startB) return false;
    for (let i = 0; i < length; i++) if (this.bytes[startA + i] !== this.bytes[startB + i]) return false;
    return true;
  }

  private startOf(index: number): number {
    return index === 0 ? 0 : this.ends.at(index - 1);
  }

  /** ASCII by hand (~3x faster than Buffer#write for ids); anything else through the UTF-8 encoder. */
  private write(text: string, at: number): number {
    const bytes = this.bytes;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x80) {
        bytes[at + i] = code;
        continue;
      }
      this.isAscii = false;
      return bytes.write(text, at, 'utf8');
    }
    return text.length;
  }
}

/** Longest string decoded by hand (V8 builds concatenations of up to 12 characters flat). */
const SHORT_STRING = 12;

function grown(data: Uint32Array, minimum: number): Uint32Array {
  const bigger = new Uint32Array(Math.max(minimum, data.length * 2));
  bigger.set(data);
  return bigger;
}
