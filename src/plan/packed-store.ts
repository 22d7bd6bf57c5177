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
    this.used += this.bytes.write(text, this.used, 'utf8');
    this.ends.push(this.used);
  }

  at(index: number): string {
    const start = index === 0 ? 0 : this.ends.at(index - 1);
    return this.bytes.toString('utf8', start, this.ends.at(index));
  }
}

function grown(data: Uint32Array, minimum: number): Uint32Array {
  const bigger = new Uint32Array(Math.max(minimum, data.length * 2));
  bigger.set(data);
  return bigger;
}
