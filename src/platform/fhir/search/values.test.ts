import { describe, expect, it } from 'vitest';
import { NHS_NUMBER_SYSTEM } from '../../../nhs/index.js';
import {
  dateEntries,
  normaliseString,
  parseReferenceLiteral,
  referenceEntries,
  stringEntries,
  tokenEntries,
} from './values.js';

describe('normaliseString', () => {
  it('lower-cases and strips accents', () => {
    expect(normaliseString('Müller')).toBe('muller');
    expect(normaliseString('ZOË Ñúñez')).toBe('zoe nunez');
    expect(normaliseString('  Smith ')).toBe('smith');
  });
});

describe('parseReferenceLiteral', () => {
  it('reads relative, versioned and absolute references as Type/id', () => {
    expect(parseReferenceLiteral('Patient/123')).toEqual({ type: 'Patient', id: '123' });
    expect(parseReferenceLiteral('Patient/123/_history/4')).toEqual({ type: 'Patient', id: '123' });
    expect(parseReferenceLiteral('https://x.org/fhir/R4/Patient/a-b.c')).toEqual({
      type: 'Patient',
      id: 'a-b.c',
    });
  });

  it('keeps other references whole and ignores contained ones', () => {
    expect(parseReferenceLiteral('urn:uuid:1234')).toEqual({ type: null, id: 'urn:uuid:1234' });
    expect(parseReferenceLiteral('#med1')).toBeUndefined();
  });
});

describe('tokenEntries', () => {
  it('reads codes, booleans, Codings, CodeableConcepts, Identifiers and ContactPoints', () => {
    expect(tokenEntries('active')).toEqual([{ system: null, value: 'active' }]);
    expect(tokenEntries(false)).toEqual([{ system: null, value: 'false' }]);
    expect(tokenEntries({ system: 's', code: 'c', display: 'd' })).toEqual([{ system: 's', value: 'c' }]);
    expect(
      tokenEntries({ coding: [{ system: 's', code: 'a' }, { code: 'b' }, { display: 'no code' }] }),
    ).toEqual([
      { system: 's', value: 'a' },
      { system: null, value: 'b' },
    ]);
    expect(tokenEntries({ system: NHS_NUMBER_SYSTEM, value: '9449304130' })).toEqual([
      { system: NHS_NUMBER_SYSTEM, value: '9449304130' },
    ]);
    expect(tokenEntries({ system: 'email', value: 'a@b.c', use: 'home' })).toEqual([
      { system: null, value: 'a@b.c' },
    ]);
  });

  it('indexes nothing for empty or unrecognised values', () => {
    expect(tokenEntries('')).toEqual([]);
    expect(tokenEntries({ text: 'only text' })).toEqual([]);
    expect(tokenEntries(null)).toEqual([]);
  });
});

describe('referenceEntries', () => {
  it('keeps the literal reference and the identifier of one Reference together', () => {
    expect(
      referenceEntries({ reference: 'Organization/o1', identifier: { system: 'ods', value: 'FA565' } }),
    ).toEqual([
      { targetType: 'Organization', targetId: 'o1', identifierSystem: 'ods', identifierValue: 'FA565' },
    ]);
  });

  it('indexes a reference by identifier alone, with its declared type', () => {
    expect(referenceEntries({ type: 'Patient', identifier: { system: 'nhs', value: '1' } })).toEqual([
      { targetType: 'Patient', targetId: null, identifierSystem: 'nhs', identifierValue: '1' },
    ]);
  });

  it('skips references with neither, and contained references', () => {
    expect(referenceEntries({ display: 'Dr Who' })).toEqual([]);
    expect(referenceEntries({ reference: '#contained' })).toEqual([]);
  });
});

describe('dateEntries', () => {
  it('reads dates, Periods and Timing events', () => {
    expect(dateEntries('2024')).toHaveLength(1);
    expect(dateEntries({ start: '2024-01-01' })[0]?.high).toBe(Infinity);
    expect(dateEntries({ event: ['2024-01-01', '2024-02-01'] })).toHaveLength(2);
    expect(dateEntries('not a date')).toEqual([]);
  });
});

describe('stringEntries', () => {
  it('indexes each part of a HumanName and the whole name', () => {
    expect(stringEntries({ family: 'Müller', given: ['Zoë'], prefix: ['Dr'] }).map((e) => e.value)).toEqual([
      'muller',
      'zoe',
      'dr',
      'zoe muller',
    ]);
  });

  it('indexes each part of an Address, keeping the text as written for :exact', () => {
    expect(stringEntries({ line: ['1 High St'], city: 'Leeds' })).toEqual([
      { value: '1 high st', exact: '1 High St' },
      { value: 'leeds', exact: 'Leeds' },
    ]);
  });
});
