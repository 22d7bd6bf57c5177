import { describe, expect, it } from 'vitest';
import { ConcurrencyGovernor } from '../../../src/processors/concurrency-governor.js';

function store(initial: number | null) {
  const s = { value: initial, async getGlobalConcurrency() { return s.value; }, async setGlobalConcurrency(n: number) { s.value = n; } };
  return s;
}

describe('ConcurrencyGovernor', () => {
  it('cuts the shared limit to about 70% once per cool-down, however many 429s arrive together', async () => {
    let now = 0;
    const s = store(10);
    const g = new ConcurrencyGovernor({ store: s, max: 10, now: () => now });
    expect(await Promise.all([g.onConcurrencyLimited(), g.onConcurrencyLimited(), g.onConcurrencyLimited()])).toEqual([7, undefined, undefined]);
    now = 1_500;
    expect(await g.onConcurrencyLimited()).toBe(4);
    now = 3_000;
    expect(await g.onConcurrencyLimited()).toBe(2);
    now = 4_500;
    expect(await g.onConcurrencyLimited()).toBe(1);
    now = 6_000;
    expect(await g.onConcurrencyLimited()).toBe(1);
  });

  it('gives one slot back after a run of answered calls, never above ZOHO_CONCURRENCY', async () => {
    const s = store(8);
    const g = new ConcurrencyGovernor({ store: s, max: 9, successesPerStep: 3 });
    const steps = [];
    for (let i = 0; i < 9; i += 1) steps.push(await g.onSuccess());
    expect(steps).toEqual([undefined, undefined, 9, undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(s.value).toBe(9);
  });

  it('starts counting successes again after a 429', async () => {
    const s = store(5);
    const g = new ConcurrencyGovernor({ store: s, max: 10, successesPerStep: 2 });
    await g.onSuccess();
    await g.onConcurrencyLimited();
    expect(s.value).toBe(3);
    expect(await g.onSuccess()).toBeUndefined();
    expect(await g.onSuccess()).toBe(4);
  });
});
