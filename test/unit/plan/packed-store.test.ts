import { describe, expect, it } from 'vitest';
import { StringArena, Uint32Column } from '../../../src/plan/packed-store.js';

describe('StringArena', () => {
  it('gives back every string as pushed, ASCII or not, before and after the first non-ASCII one', () => {
    const texts = ['D-1', '', 'a-much-longer-external-id-0001', 'Ðéål-4', 'D/odd 1', '😀 ü', 'D-2'];
    const arena = new StringArena();
    texts.forEach((text, i) => {
      arena.push(text);
      expect(arena.at(i)).toBe(text);
    });
    expect(texts.map((_, i) => arena.at(i))).toEqual(texts);
    expect(arena.length).toBe(texts.length);
  });

  it('tells equal strings by their bytes, whatever their position', () => {
    const arena = new StringArena();
    for (const text of ['D-1', 'D-10', 'D-1', 'Ünï', 'Ünï', '']) arena.push(text);
    expect(arena.equals(0, 2)).toBe(true);
    expect(arena.equals(0, 1)).toBe(false);
    expect(arena.equals(3, 4)).toBe(true);
    expect(arena.equals(5, 5)).toBe(true);
    expect(arena.equals(5, 0)).toBe(false);
  });

  it('grows past its first buffer without losing a byte', () => {
    const arena = new StringArena();
    for (let i = 0; i < 20_000; i++) arena.push(`D-${String(i).padStart(6, '0')}`);
    expect(arena.at(0)).toBe('D-000000');
    expect(arena.at(19_999)).toBe('D-019999');
  });
});

describe('Uint32Column', () => {
  it('grows and reads back in order', () => {
    const column = new Uint32Column(2);
    for (let i = 0; i < 5_000; i++) column.push(i * 3);
    expect(column.length).toBe(5_000);
    expect(column.at(4_999)).toBe(14_997);
    expect(Array.from(column.view().subarray(0, 3))).toEqual([0, 3, 6]);
  });
});
