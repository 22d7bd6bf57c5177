/**
 * Lookup in one of the simulator's fixed tables (modules, relations): `find` for a key from a request,
 * `get` for a key known to be valid, which throws naming its caller (`<caller>: expected a known <what>, got <key>`).
 */
export function lookupBy<T, K extends string>(
  items: readonly T[],
  keyOf: (item: T) => K,
  names: { caller: string; what: string },
): { find(key: string): T | undefined; get(key: K): T } {
  const find = (key: string): T | undefined => items.find((item) => keyOf(item) === key);
  return {
    find,
    get(key) {
      const item = find(key);
      if (item === undefined) throw new Error(`${names.caller}: expected a known ${names.what}, got ${key}`);
      return item;
    },
  };
}
