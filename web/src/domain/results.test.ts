import type { Bundle, Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { resultsOf, resultValue } from './results';

const observation = (id: string, extra: Partial<Observation>): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { text: 'Haemoglobin' },
  ...extra,
});

describe('released results as the patient sees them', () => {
  it('lists each report with the observations it refers to, latest first', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'DiagnosticReport',
            id: 'older',
            status: 'final',
            code: { text: 'Full blood count' },
            issued: '2026-01-01T09:00:00Z',
            result: [{ reference: 'Observation/hb' }, { reference: 'Observation/not-included' }],
          },
          search: { mode: 'match' },
        },
        {
          resource: {
            resourceType: 'DiagnosticReport',
            id: 'newer',
            status: 'amended',
            code: { coding: [{ display: 'Urea and electrolytes' }] },
            issued: '2026-02-01T09:00:00Z',
            conclusion: 'Normal kidney function',
          },
          search: { mode: 'match' },
        },
        {
          resource: observation('hb', {
            valueQuantity: { value: 131, unit: 'g/L' },
            referenceRange: [{ low: { value: 115, unit: 'g/L' }, high: { value: 165, unit: 'g/L' } }],
          }),
          search: { mode: 'include' },
        },
      ],
    };
    expect(resultsOf(bundle)).toEqual([
      {
        id: 'newer',
        title: 'Urea and electrolytes',
        issued: '2026-02-01T09:00:00Z',
        status: 'Amended result',
        conclusion: 'Normal kidney function',
        values: [],
      },
      {
        id: 'older',
        title: 'Full blood count',
        issued: '2026-01-01T09:00:00Z',
        status: 'Final result',
        conclusion: undefined,
        values: [
          {
            id: 'hb',
            name: 'Haemoglobin',
            value: '131 g/L',
            range: '115 g/L to 165 g/L',
            interpretation: 'Normal',
            abnormal: false,
          },
        ],
      },
    ]);
  });

  it('has nothing to show for an empty search', () => {
    expect(resultsOf({ resourceType: 'Bundle', type: 'searchset' })).toEqual([]);
  });

  it('writes every kind of value in words', () => {
    expect(resultValue(observation('a', { valueString: 'Negative' })).value).toBe('Negative');
    expect(resultValue(observation('a', { valueBoolean: false })).value).toBe('No');
    expect(resultValue(observation('a', { valueInteger: 4 })).value).toBe('4');
    expect(
      resultValue(observation('a', { valueCodeableConcept: { coding: [{ display: 'Detected' }] } })).value,
    ).toBe('Detected');
    expect(resultValue(observation('a', { valueQuantity: { value: 5.2, code: 'mmol/L' } })).value).toBe(
      '5.2 mmol/L',
    );
    expect(resultValue(observation('a', { dataAbsentReason: { text: 'Sample haemolysed' } })).value).toBe(
      'Sample haemolysed',
    );
    expect(resultValue(observation('a', {})).value).toBe('No value');
  });

  it('writes reference ranges and interpretations', () => {
    expect(resultValue(observation('a', { referenceRange: [{ text: 'Under 5' }] })).range).toBe('Under 5');
    expect(resultValue(observation('a', { referenceRange: [{ low: { value: 3 } }] })).range).toBe(
      '3 or more',
    );
    expect(resultValue(observation('a', { referenceRange: [{ high: { value: 7, unit: '%' } }] })).range).toBe(
      'up to 7 %',
    );
    expect(resultValue(observation('a', { interpretation: [{ text: 'High' }] })).interpretation).toBe('High');
    expect(resultValue(observation('a', { interpretation: [{}] })).interpretation).toBeUndefined();
  });

  it("flags a value outside the normal range: the lab's interpretation code, else the value against its range", () => {
    const flag = (extra: Partial<Observation>) => {
      const { interpretation, abnormal } = resultValue(observation('a', extra));
      return [interpretation, abnormal];
    };
    const v3 = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
    expect(flag({ interpretation: [{ coding: [{ system: v3, code: 'H', display: 'High' }] }] })).toEqual([
      'High',
      true,
    ]);
    expect(flag({ interpretation: [{ coding: [{ system: v3, code: 'LL' }] }] })).toEqual(['Very low', true]);
    expect(flag({ interpretation: [{ coding: [{ system: v3, code: 'N' }] }] })).toEqual(['Normal', false]);
    const range = [{ low: { value: 4, unit: 'x10*9/L' }, high: { value: 11, unit: 'x10*9/L' } }];
    expect(flag({ valueQuantity: { value: 11.8, unit: 'x10*9/L' }, referenceRange: range })).toEqual([
      'High',
      true,
    ]);
    expect(flag({ valueQuantity: { value: 3.1, unit: 'x10*9/L' }, referenceRange: range })).toEqual([
      'Low',
      true,
    ]);
    expect(flag({ valueQuantity: { value: 7, unit: 'x10*9/L' }, referenceRange: range })).toEqual([
      'Normal',
      false,
    ]);
    // Another unit than the range's, or no range: not judged.
    expect(flag({ valueQuantity: { value: 7, unit: 'g/dL' }, referenceRange: range })).toEqual([
      undefined,
      undefined,
    ]);
    expect(flag({ valueQuantity: { value: 7, unit: 'g/L' } })).toEqual([undefined, undefined]);
  });
});
