import { describe, expect, it } from 'vitest';
import { FHIR_ID, idOfReference, LITERAL_REFERENCE, PATIENT_REFERENCE } from './ids.js';

describe('FHIR id patterns', () => {
  it('accepts 1 to 64 of the id characters, nothing else', () => {
    expect(FHIR_ID.test('a-B.9')).toBe(true);
    expect(FHIR_ID.test('x'.repeat(64))).toBe(true);
    for (const bad of ['', 'x'.repeat(65), 'a/b', 'a b', 'a_b', 'é'])
      expect(FHIR_ID.test(bad), bad).toBe(false);
  });

  it('reads literal references of one type, and of any', () => {
    expect(idOfReference('Slot/s-1', 'Slot')).toBe('s-1');
    expect(idOfReference('Slot/s-1', 'Patient')).toBeUndefined();
    expect(idOfReference('Slot/', 'Slot')).toBeUndefined();
    expect(idOfReference(undefined, 'Slot')).toBeUndefined();
    expect(PATIENT_REFERENCE.test('Patient/p1')).toBe(true);
    expect(PATIENT_REFERENCE.test('Patient/p1/_history/1')).toBe(false);
    expect(LITERAL_REFERENCE.test('PractitionerRole/r.1')).toBe(true);
    expect(LITERAL_REFERENCE.test('patient/p1')).toBe(false);
  });
});
