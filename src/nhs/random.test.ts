import { describe, expect, it } from 'vitest';
import { randomIndex, secureRandom } from './random.js';

describe('randomIndex', () => {
  it('maps [0, 1) onto every index of the range', () => {
    expect(randomIndex(() => 0, 16)).toBe(0);
    expect(randomIndex(() => 0.5, 16)).toBe(8);
    expect(randomIndex(() => 1 - Number.EPSILON, 16)).toBe(15);
  });

  it('refuses a source outside [0, 1)', () => {
    for (const bad of [1, -Number.EPSILON, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => randomIndex(() => bad, 10), String(bad)).toThrow(RangeError);
    }
  });
});

describe('secureRandom', () => {
  it('stays in [0, 1) and is not constant', () => {
    const values = Array.from({ length: 1000 }, secureRandom);
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
    expect(new Set(values).size).toBeGreaterThan(990);
  });
});
