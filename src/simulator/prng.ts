/**
 * A small seeded PRNG (mulberry32): the simulator's dataset, jitter and random faults must repeat
 * exactly for a given seed, which Math.random cannot give.
 */
export type Random = () => number;

/** Returns a generator of floats in [0, 1), fully determined by `seed` (an unsigned 32-bit integer). */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, bound). */
export function randomInt(random: Random, bound: number): number {
  return Math.floor(random() * bound);
}

/** One element of a non-empty list. */
export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[randomInt(random, items.length)];
  if (item === undefined) throw new Error('pick: expected a non-empty list, got an empty one');
  return item;
}

/** Independent streams derived from one seed, so that e.g. jitter draws never shift fault draws. */
export const RandomStreams = {
  dataset: 0x00000000,
  faults: 0x9e3779b9,
  jitter: 0x85ebca6b,
  /** The modules beyond Contacts and Deals, drawn apart so adding them left those two unchanged. */
  otherModules: 0xc2b2ae35,
} as const;

export function createStream(seed: number, stream: number): Random {
  return createRandom((seed ^ stream) >>> 0);
}
