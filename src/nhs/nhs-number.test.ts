import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHI_NUMBER_SYSTEM,
  chiDateOfBirth,
  generateNhsNumber,
  isValidChiNumber,
  isValidNhsNumber,
  NHS_NUMBER_SYSTEM,
  patientIdentifierProblem,
} from './nhs-number.js';

/**
 * Modulus 11 restated independently of the implementation: with weights 10 down to 1 over all ten
 * digits, a number is valid exactly when the weighted sum is divisible by 11 (the check digit's
 * weight 1 is what makes "11 − remainder, 11 → 0" line up; a needed check digit of 10 cannot be
 * written, so those prefixes never pass).
 */
function oracleModulus11(value: string): boolean {
  if (!/^[0-9]{10}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += Number(value[i]) * (10 - i);
  return sum % 11 === 0;
}

/** A real calendar date in 19YY or 20YY, asked of the platform's calendar rather than a month table. */
function oracleDate(day: number, month: number, yy: number): boolean {
  return [1900 + yy, 2000 + yy].some((year) => {
    const date = new Date(Date.UTC(year, month - 1, day));
    return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  });
}

/** Completes nine digits with the check digit that satisfies the oracle, if one exists. */
function completeWithCheckDigit(nine: string): string | undefined {
  for (let d = 0; d <= 9; d++) if (oracleModulus11(nine + d)) return nine + d;
  return undefined;
}

/** A CHI number with a correct check digit for the given DDMMYY (serial chosen so one exists). */
function chiFor(ddmmyy: string): string {
  for (let serial = 0; serial < 1000; serial++) {
    const value = completeWithCheckDigit(ddmmyy + String(serial).padStart(3, '0'));
    if (value) return value;
  }
  throw new Error(`no CHI number for ${ddmmyy}`);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** A random source that replays `values` in a cycle. */
function replay(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

const KNOWN_VALID = ['9449304130', '9449306060', '9449310378', '9990548609'];

describe('isValidNhsNumber', () => {
  it('accepts known valid NHS numbers', () => {
    for (const value of KNOWN_VALID) expect(isValidNhsNumber(value), value).toBe(true);
  });

  it('accepts a check digit of 0 when 11 − remainder is 11', () => {
    // 9·10 + 4·9 + 4·8 + 9·7 + 3·6 + 0·5 + 4·4 + 1·3 + 3·2 = 264 = 24 · 11: remainder 0, check 11 → 0.
    expect(isValidNhsNumber('9449304130')).toBe(true);
  });

  it('refuses every number whose check digit would have to be 10', () => {
    // 9·10 + 9·9 + 9·8 = 243 = 22 · 11 + 1: check 11 − 1 = 10, so no last digit works.
    for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`999000000${d}`)).toBe(false);
  });

  it('refuses a wrong check digit', () => {
    expect(isValidNhsNumber('9449304131')).toBe(false);
    expect(isValidNhsNumber('9449310379')).toBe(false);
  });

  it('refuses anything that is not exactly 10 ASCII digits', () => {
    for (const value of [
      '',
      '944930413',
      '94493041300',
      '944 930 4130',
      '944-930-4130',
      ' 9449304130',
      '9449304130\n',
      '944930413O',
      '９４４９３０４１３０',
      '+449304130',
      '9.44930413',
    ]) {
      expect(isValidNhsNumber(value), JSON.stringify(value)).toBe(false);
    }
  });

  it('refuses every single-digit change of a valid number (Modulus 11 catches them all)', () => {
    for (const valid of KNOWN_VALID) {
      for (let position = 0; position < 10; position++) {
        for (let digit = 0; digit <= 9; digit++) {
          if (String(digit) === valid[position]) continue;
          const changed = valid.slice(0, position) + digit + valid.slice(position + 1);
          expect(isValidNhsNumber(changed), changed).toBe(oracleModulus11(changed));
          // Every weight is non-zero mod 11 and a change is at most 9, so none re-validates.
          expect(oracleModulus11(changed), changed).toBe(false);
        }
      }
    }
  });

  it('refuses every swap of two adjacent different digits of a valid number', () => {
    for (const valid of KNOWN_VALID) {
      for (let i = 0; i < 9; i++) {
        if (valid[i] === valid[i + 1]) continue;
        const swapped = valid.slice(0, i) + valid[i + 1] + valid[i] + valid.slice(i + 2);
        expect(isValidNhsNumber(swapped), swapped).toBe(false);
      }
    }
  });

  it('agrees with the independent Modulus 11 on any 10 digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{10}$/), (value) => {
        expect(isValidNhsNumber(value)).toBe(oracleModulus11(value));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('chiDateOfBirth', () => {
  it('reads DDMMYY from the first six digits', () => {
    expect(chiDateOfBirth('3112991234')).toEqual({ day: 31, month: 12, yy: 99 });
    expect(chiDateOfBirth('0101000000')).toEqual({ day: 1, month: 1, yy: 0 });
  });

  it('refuses days and months that do not exist', () => {
    for (const ddmmyy of [
      '310450',
      '300250',
      '320150',
      '000150',
      '010050',
      '011350',
      '310650',
      '310950',
      '311150',
    ]) {
      expect(chiDateOfBirth(`${ddmmyy}1234`), ddmmyy).toBeUndefined();
    }
  });

  it('accepts the last day of every month', () => {
    const lastDays = ['310150', '280250', '310350', '300450', '310550', '300650'];
    lastDays.push('310750', '310850', '300950', '311050', '301150', '311250');
    for (const ddmmyy of lastDays) expect(chiDateOfBirth(`${ddmmyy}1234`), ddmmyy).toBeDefined();
  });

  it('accepts 29 February when 19YY or 20YY is a leap year, and only then', () => {
    // 00: 1900 is not a leap year but 2000 is. 04, 96: both centuries. 01, 02, 03, 99: neither.
    for (const yy of ['00', '04', '48', '96']) expect(chiDateOfBirth(`2902${yy}1234`), yy).toBeDefined();
    for (const yy of ['01', '02', '03', '99']) expect(chiDateOfBirth(`2902${yy}1234`), yy).toBeUndefined();
  });

  it('agrees with the calendar for every DDMMYY in 19YY or 20YY', () => {
    for (let yy = 0; yy < 100; yy++) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const value = `${pad2(day)}${pad2(month)}${pad2(yy)}1234`;
          expect(chiDateOfBirth(value) !== undefined, value).toBe(oracleDate(day, month, yy));
        }
      }
    }
  });

  it('gives nothing for values that are not 10 digits', () => {
    expect(chiDateOfBirth('010150')).toBeUndefined();
    expect(chiDateOfBirth('01015012345')).toBeUndefined();
    expect(chiDateOfBirth('01O1501234')).toBeUndefined();
  });
});

describe('isValidChiNumber', () => {
  it('accepts a valid date with a correct check digit', () => {
    for (const ddmmyy of ['010150', '311299', '290200', '290296', '300421']) {
      const chi = chiFor(ddmmyy);
      expect(isValidChiNumber(chi), chi).toBe(true);
    }
  });

  it('refuses an impossible date even with a correct check digit', () => {
    for (const ddmmyy of ['310421', '290201', '300299', '000121', '011321']) {
      const chi = chiFor(ddmmyy);
      expect(isValidNhsNumber(chi), chi).toBe(true);
      expect(isValidChiNumber(chi), chi).toBe(false);
    }
  });

  it('refuses a valid date with a wrong check digit', () => {
    const chi = chiFor('010150');
    const wrong = chi.slice(0, 9) + ((Number(chi[9]) + 1) % 10);
    expect(isValidChiNumber(wrong)).toBe(false);
  });

  it('agrees with Modulus 11 and the calendar on generated candidates', () => {
    const candidate = fc
      .tuple(
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 99 }),
        fc.stringMatching(/^[0-9]{4}$/),
      )
      .map(([day, month, yy, rest]) => ({
        day,
        month,
        yy,
        value: pad2(day) + pad2(month) + pad2(yy) + rest,
      }));
    fc.assert(
      fc.property(candidate, ({ day, month, yy, value }) => {
        expect(isValidChiNumber(value)).toBe(oracleModulus11(value) && oracleDate(day, month, yy));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('patientIdentifierProblem', () => {
  it('accepts valid NHS and CHI numbers under their own systems', () => {
    expect(patientIdentifierProblem(NHS_NUMBER_SYSTEM, '9449304130')).toBeUndefined();
    expect(patientIdentifierProblem(CHI_NUMBER_SYSTEM, chiFor('010150'))).toBeUndefined();
  });

  it('names the system URLs EPS uses', () => {
    expect(NHS_NUMBER_SYSTEM).toBe('https://fhir.nhs.uk/Id/nhs-number');
    expect(CHI_NUMBER_SYSTEM).toBe('https://fhir.nhs.uk/Id/chi-number');
  });

  it('says when the value is not 10 digits', () => {
    expect(patientIdentifierProblem(NHS_NUMBER_SYSTEM, '944 930 4130')).toBe('not 10 digits');
    expect(patientIdentifierProblem(CHI_NUMBER_SYSTEM, '')).toBe('not 10 digits');
  });

  it('says when the check digit is wrong', () => {
    expect(patientIdentifierProblem(NHS_NUMBER_SYSTEM, '9449304131')).toBe('wrong Modulus 11 check digit');
    const chi = chiFor('010150');
    const wrong = chi.slice(0, 9) + ((Number(chi[9]) + 1) % 10);
    expect(patientIdentifierProblem(CHI_NUMBER_SYSTEM, wrong)).toBe('wrong Modulus 11 check digit');
  });

  it('refuses a valid NHS number sent as a CHI number when it does not begin with a date', () => {
    // 94/49/30 is not a date.
    expect(patientIdentifierProblem(NHS_NUMBER_SYSTEM, '9449304130')).toBeUndefined();
    expect(patientIdentifierProblem(CHI_NUMBER_SYSTEM, '9449304130')).toBe(
      'does not begin with a valid DDMMYY date of birth',
    );
  });

  it('refuses any other system, however close', () => {
    for (const system of [
      '',
      'https://fhir.nhs.uk/Id/NHS-number',
      'http://fhir.nhs.uk/Id/nhs-number',
      'nhs-number',
    ]) {
      expect(patientIdentifierProblem(system, '9449304130'), system).toBe('unsupported system');
    }
  });
});

describe('generateNhsNumber', () => {
  it('makes valid numbers in the 999 test range from any random draws', () => {
    const draws = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
      minLength: 6,
      maxLength: 6,
    });
    fc.assert(
      fc.property(draws, (values) => {
        const value = generateNhsNumber(replay(values));
        expect(value).toMatch(/^999[0-9]{7}$/);
        expect(oracleModulus11(value)).toBe(true);
        expect(isValidNhsNumber(value)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('still finishes when the draws lead to a check digit of 10', () => {
    // 999000000 needs check digit 10; the ninth digit is bumped to 1: 243 + 2 = 245, remainder 3, check 8.
    expect(generateNhsNumber(() => 0)).toBe('9990000018');
  });

  it('uses the secure source by default and varies', () => {
    const values = new Set(Array.from({ length: 20 }, () => generateNhsNumber()));
    for (const value of values) expect(isValidNhsNumber(value), value).toBe(true);
    expect(values.size).toBeGreaterThan(1);
  });

  it('refuses a random source outside [0, 1)', () => {
    expect(() => generateNhsNumber(() => 1)).toThrow(RangeError);
    expect(() => generateNhsNumber(() => Number.NaN)).toThrow(RangeError);
    expect(() => generateNhsNumber(() => -0.1)).toThrow(RangeError);
  });
});
