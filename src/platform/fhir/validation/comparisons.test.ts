import { describe, expect, it } from 'vitest';
import { compareDateTimes, compareQuantities, sameJson } from './comparisons.js';

const sign = (value: number | undefined): number | undefined =>
  value === undefined ? undefined : Math.sign(value);

describe('compareDateTimes', () => {
  it.each([
    ['2021-01-01', '2021-01-02', -1],
    ['2021-01-02', '2021-01-01', 1],
    ['2021-01-01', '2021-01-01', 0],
    ['2021', '2022-06', -1],
    ['2021', '2021-06', undefined],
    ['2021-01-01T10:00:00Z', '2021-01-01T09:00:00-02:00', -1],
    ['2021-01-01T10:00:00+00:00', '2021-01-01T10:00:00Z', 0],
    ['2021-01-02', '2021-01-01T23:00:00Z', 1],
    ['2021-01-01', '2021-01-01T23:00:00Z', undefined],
  ])('%s vs %s → %s', (a, b, expected) => {
    expect(sign(compareDateTimes(a, b))).toBe(expected);
  });
});

describe('compareQuantities', () => {
  const mg = (value: number) => ({ value, system: 'http://unitsofmeasure.org', code: 'mg' });

  it('compares values in the same unit only', () => {
    expect(sign(compareQuantities(mg(1), mg(2)))).toBe(-1);
    expect(
      compareQuantities(mg(1), { value: 2, system: 'http://unitsofmeasure.org', code: 'g' }),
    ).toBeUndefined();
    expect(compareQuantities({ value: 1 }, {})).toBeUndefined();
  });
});

describe('sameJson', () => {
  it('ignores key order', () => {
    expect(sameJson({ system: 's', code: 'c' }, { code: 'c', system: 's' })).toBe(true);
    expect(sameJson({ system: 's', code: 'c' }, { system: 's', code: 'd' })).toBe(false);
  });
});
