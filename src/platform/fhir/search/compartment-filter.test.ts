import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { NHS_NUMBER_SYSTEM } from '../../../nhs/index.js';
import { patientOf } from '../patient-compartment.js';
import { compartmentEntry, PATIENT_COMPARTMENT_PARAM, patientsNamed } from './compartment-filter.js';
import { parseSearchQuery } from './parse-query.js';

const named = (type: string, query: string) =>
  patientsNamed(parseSearchQuery(type, new URLSearchParams(query)));

describe('the compartment index row', () => {
  it.each<[string, Resource]>([
    ['a Patient belongs to itself', { resourceType: 'Patient', id: 'p1' }],
    [
      'subject',
      { resourceType: 'Observation', status: 'final', code: {}, subject: { reference: 'Patient/p1' } },
    ],
    [
      'patient',
      {
        resourceType: 'Consent',
        status: 'active',
        scope: {},
        category: [],
        patient: { reference: 'Patient/p1' },
      } as Resource,
    ],
    ['for', { resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: 'Patient/p1' } }],
    [
      'a subject that is no patient gives way to the next element, as in patientOf',
      {
        resourceType: 'DiagnosticReport',
        status: 'final',
        code: {},
        subject: { reference: 'Group/g' },
        patient: { reference: 'Patient/p1' },
      } as Resource,
    ],
    [
      'an Appointment participant',
      {
        resourceType: 'Appointment',
        status: 'booked',
        participant: [{ actor: { reference: 'Patient/p1' }, status: 'accepted' }],
      },
    ],
  ])('points at the patient patientOf names: %s', (_, resource) => {
    expect(patientOf(resource)).toBe('Patient/p1');
    expect(compartmentEntry(resource)).toEqual({
      param: PATIENT_COMPARTMENT_PARAM,
      targetType: 'Patient',
      targetId: 'p1',
      identifierSystem: null,
      identifierValue: null,
    });
  });

  it('is absent for what belongs to no patient', () => {
    expect(compartmentEntry({ resourceType: 'Practitioner', id: 'x' })).toBeUndefined();
    expect(
      compartmentEntry({
        resourceType: 'Observation',
        status: 'final',
        code: {},
        subject: { reference: 'Group/g' },
      }),
    ).toBeUndefined();
  });
});

describe('patients a search names', () => {
  it('reads Patient references, typed or on parameters that only point at patients, and Patient _id', () => {
    expect(named('MedicationRequest', 'subject=Patient/a,Group/g&patient=b')).toEqual([
      'Patient/a',
      'Patient/b',
    ]);
    expect(named('Observation', 'subject:Patient=c')).toEqual(['Patient/c']);
    expect(named('Patient', '_id=d,e')).toEqual(['Patient/d', 'Patient/e']);
  });

  it('ignores what cannot be told from the query alone', () => {
    expect(named('Observation', 'subject=x')).toEqual([]);
    expect(named('MedicationRequest', `subject:identifier=${NHS_NUMBER_SYSTEM}|9000000009`)).toEqual([]);
    expect(named('Patient', '_id:not=d')).toEqual([]);
    expect(named('Consent', 'status=active')).toEqual([]);
  });
});
