import { describe, expect, it } from 'vitest';
import { parseDateRange, periodRange, toSqlTimestamp } from './date-range.js';

const iso = (text: string | undefined) => {
  const range = text === undefined ? undefined : parseDateRange(text);
  return range && [toSqlTimestamp(range.low), toSqlTimestamp(range.high)];
};

describe('parseDateRange', () => {
  it('makes each precision a half-open range', () => {
    expect(iso('2024')).toEqual(['2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    expect(iso('2024-02')).toEqual(['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
    expect(iso('2024-12')).toEqual(['2024-12-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    expect(iso('2024-02-29')).toEqual(['2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
    expect(iso('2024-12-31')).toEqual(['2024-12-31T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    expect(iso('2024-05-01T10:15')).toEqual(['2024-05-01T10:15:00.000Z', '2024-05-01T10:16:00.000Z']);
    expect(iso('2024-05-01T10:15:30Z')).toEqual(['2024-05-01T10:15:30.000Z', '2024-05-01T10:15:31.000Z']);
    expect(iso('2024-05-01T10:15:30.5Z')).toEqual(['2024-05-01T10:15:30.500Z', '2024-05-01T10:15:30.501Z']);
    expect(iso('2024-05-01T10:15:30.123456Z')).toEqual([
      '2024-05-01T10:15:30.123Z',
      '2024-05-01T10:15:30.124Z',
    ]);
  });

  it('applies time zone offsets and takes a time without one as UTC', () => {
    expect(iso('2024-05-01T10:00:00+01:00')?.[0]).toBe('2024-05-01T09:00:00.000Z');
    expect(iso('2024-05-01T00:30:00-05:30')?.[0]).toBe('2024-05-01T06:00:00.000Z');
    expect(iso('2024-05-01T10:00:00')?.[0]).toBe('2024-05-01T10:00:00.000Z');
  });

  it('keeps years below 100 as written', () => {
    expect(iso('0099')?.[0]).toBe('0099-01-01T00:00:00.000Z');
  });

  it('rejects anything that is not a FHIR date', () => {
    for (const text of [
      '',
      '24',
      '2024-5',
      '2024-13',
      '2024-02-30',
      '2023-02-29',
      '2024-05-01T25:00:00Z',
      '2024-05-01T10:00:00+15:00',
      '2024-05-01 10:00',
      'yesterday',
      '2024-05-01T10',
    ]) {
      expect(parseDateRange(text), text).toBeUndefined();
    }
  });
});

describe('periodRange', () => {
  it('spans from the start of start to the end of end, open ends unbounded', () => {
    const closed = periodRange('2024-01', '2024-03');
    expect(closed && [toSqlTimestamp(closed.low), toSqlTimestamp(closed.high)]).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-04-01T00:00:00.000Z',
    ]);
    expect(periodRange('2024-01-01', undefined)?.high).toBe(Infinity);
    expect(periodRange(undefined, '2024-01-01')?.low).toBe(-Infinity);
    expect(periodRange(undefined, undefined)).toBeUndefined();
    expect(periodRange('garbage', undefined)).toBeUndefined();
  });

  it('writes open ends as PostgreSQL infinities', () => {
    expect(toSqlTimestamp(Infinity)).toBe('infinity');
    expect(toSqlTimestamp(-Infinity)).toBe('-infinity');
  });

  it('has no year 0000, as FHIR and PostgreSQL have none', () => {
    expect(parseDateRange('0000')).toBeUndefined();
    expect(parseDateRange('0000-01-01')).toBeUndefined();
    expect(parseDateRange('0000-06-01T00:00:00Z')).toBeUndefined();
    expect(parseDateRange('0001')).toBeDefined();
  });

  it('writes the edges of years 0001 and 9999 the way PostgreSQL reads them', () => {
    expect(iso('9999-12-31')).toEqual(['9999-12-31T00:00:00.000Z', '10000-01-01T00:00:00.000Z']);
    expect(iso('9999')?.[1]).toBe('10000-01-01T00:00:00.000Z');
    expect(iso('0001-01-01T00:00:00+14:00')).toEqual([
      '0001-12-31T10:00:00.000Z BC',
      '0001-12-31T10:00:01.000Z BC',
    ]);
    expect(toSqlTimestamp(Date.UTC(2024, 4, 1))).toBe('2024-05-01T00:00:00.000Z');
    const twoBc = new Date(0);
    twoBc.setUTCFullYear(-1, 11, 31);
    expect(toSqlTimestamp(twoBc.getTime())).toBe('0002-12-31T00:00:00.000Z BC');
  });
});
