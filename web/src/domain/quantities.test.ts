import { describe, expect, it } from 'vitest';
import { formatQuantity } from './quantities';

const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';

describe('quantities in words', () => {
  it('names dm+d units by their code, in the singular for one and the plural otherwise', () => {
    expect(formatQuantity({ value: 6, unit: 'tablet', system: SNOMED, code: '428673006' })).toBe('6 tablets');
    expect(formatQuantity({ value: 1, unit: 'tablet', system: SNOMED, code: '428673006' })).toBe('1 tablet');
    expect(formatQuantity({ value: 1, unit: 'capsule', system: SNOMED, code: '428641000' })).toBe(
      '1 capsule',
    );
    expect(formatQuantity({ value: 21, unit: 'capsule', system: SNOMED, code: '428641000' })).toBe(
      '21 capsules',
    );
    expect(formatQuantity({ value: 4, unit: 'patch', system: SNOMED, code: '419702001' })).toBe('4 patches');
    expect(formatQuantity({ value: 1.5, unit: 'dose', system: SNOMED, code: '3317411000001100' })).toBe(
      '1.5 doses',
    );
  });

  it('trusts the code over a text that names another unit', () => {
    expect(formatQuantity({ value: 6, unit: 'tablet', system: SNOMED, code: '428641000' })).toBe(
      '6 capsules',
    );
  });

  it('keeps symbols as they are and names UCUM units', () => {
    expect(formatQuantity({ value: 100, unit: 'ml', system: SNOMED, code: '258773002' })).toBe('100 ml');
    expect(formatQuantity({ value: 150, unit: 'millilitre', system: UCUM, code: 'mL' })).toBe('150 ml');
    expect(formatQuantity({ value: 28, unit: 'day', system: UCUM, code: 'd' })).toBe('28 days');
    expect(formatQuantity({ value: 1, unit: 'day', system: UCUM, code: 'd' })).toBe('1 day');
  });

  it('puts an unknown counted unit in the plural from its text, and leaves symbols alone', () => {
    expect(formatQuantity({ value: 2, unit: 'inhaler' })).toBe('2 inhalers');
    expect(formatQuantity({ value: 1, unit: 'inhalers' })).toBe('1 inhaler');
    expect(formatQuantity({ value: 3, unit: 'inhalers' })).toBe('3 inhalers');
    expect(formatQuantity({ value: 2, unit: 'box' })).toBe('2 boxes');
    expect(formatQuantity({ value: 30, unit: 'g' })).toBe('30 g');
    expect(formatQuantity({ value: 500, unit: 'mL' })).toBe('500 mL');
    expect(formatQuantity({ value: 5, unit: 'mg/ml' })).toBe('5 mg/ml');
  });

  it('gives the bare number without a unit, and nothing without a value', () => {
    expect(formatQuantity({ value: 20 })).toBe('20');
    expect(formatQuantity({ unit: 'tablet' })).toBeUndefined();
    expect(formatQuantity(undefined)).toBeUndefined();
  });
});
