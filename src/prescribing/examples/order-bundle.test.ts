import type { MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { DMD_UNITS, type OrderBundleInput, orderBundle, unitForMedicine } from './order-bundle.js';

const quantities = (items: OrderBundleInput['items']) =>
  (orderBundle({ items }).entry ?? []).flatMap((entry) =>
    entry.resource?.resourceType === 'MedicationRequest'
      ? [(entry.resource as MedicationRequest).dispenseRequest?.quantity]
      : [],
  );

describe('example prescription-orders', () => {
  it('give each item the dm+d unit its medicine comes in, not always tablets', () => {
    expect(
      quantities([
        { display: 'Azithromycin 250mg capsules', quantity: 6 },
        { display: 'Co-codamol 30mg/500mg tablets', quantity: 30 },
        { display: 'Salbutamol 100micrograms/dose inhaler', quantity: 200 },
        { display: 'Amoxicillin 250mg capsules', quantity: 21, unit: DMD_UNITS.tablet },
      ]),
    ).toEqual([
      { value: 6, unit: 'capsule', system: 'http://snomed.info/sct', code: '428641000' },
      { value: 30, unit: 'tablet', system: 'http://snomed.info/sct', code: '428673006' },
      { value: 200, unit: 'dose', system: 'http://snomed.info/sct', code: '3317411000001100' },
      { value: 21, unit: 'tablet', system: 'http://snomed.info/sct', code: '428673006' },
    ]);
  });

  it('default to the example medicine, amoxicillin capsules, counted in capsules', () => {
    expect(quantities(undefined)).toEqual([
      { value: 20, unit: 'capsule', system: 'http://snomed.info/sct', code: '428641000' },
    ]);
    expect(unitForMedicine('Lactulose 3.35g/5ml oral solution')).toBe(DMD_UNITS.ml);
  });
});
