import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseRfc3339 } from './rfc3339.js';

describe('RFC 3339 date-times', () => {
  it.each([
    ['2024-05-01T09:30:00Z', '2024-05-01T09:30:00.000Z'],
    ['2024-05-01t09:30:00z', '2024-05-01T09:30:00.000Z'],
    ['2024-05-01T10:30:00+01:00', '2024-05-01T09:30:00.000Z'],
    ['2024-05-01T04:00:00-05:30', '2024-05-01T09:30:00.000Z'],
    ['2022-10-21T13:47:00+00:00', '2022-10-21T13:47:00.000Z'],
    ['2024-05-01T09:30:00.1Z', '2024-05-01T09:30:00.100Z'],
    ['2024-05-01T09:30:00.123456789Z', '2024-05-01T09:30:00.123Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['0050-01-01T00:00:00Z', '0050-01-01T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseRfc3339(text)?.toISOString()).toBe(iso);
  });

  it.each([
    'yesterday',
    '',
    '2024-05-01',
    '2024-05-01T09:30:00',
    '2024-05-01 09:30:00Z',
    '2024-05-01T09:30Z',
    '2024-13-01T00:00:00Z',
    '2024-00-01T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T09:60:00Z',
    '2024-05-01T09:30:61Z',
    '2024-05-01T09:30:00+0100',
    '2024-05-01T09:30:00+24:00',
    '2024-05-01T09:30:00.Z',
    ' 2024-05-01T09:30:00Z',
    '+002024-05-01T09:30:00Z',
  ])('refuses %j', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });

  it('refuses what is not a string', () => {
    expect(parseRfc3339(1714555800000)).toBeUndefined();
    expect(parseRfc3339(new Date())).toBeUndefined();
    expect(parseRfc3339(null)).toBeUndefined();
  });

  it('formats in UTC, with milliseconds only when there are some', () => {
    expect(formatRfc3339(new Date('2024-05-01T10:30:00+01:00'))).toBe('2024-05-01T09:30:00Z');
    expect(formatRfc3339(new Date('2024-05-01T09:30:00.250Z'))).toBe('2024-05-01T09:30:00.250Z');
    expect(parseRfc3339(formatRfc3339(new Date('2024-05-01T09:30:00.250Z')))?.getTime()).toBe(
      Date.parse('2024-05-01T09:30:00.250Z'),
    );
  });

  it('refuses to format an invalid date or a year without four digits', () => {
    expect(() => formatRfc3339(new Date('nonsense'))).toThrow(TypeError);
    expect(() => formatRfc3339(new Date(Date.UTC(10000, 0, 1)))).toThrow(/four digits/);
  });
});
