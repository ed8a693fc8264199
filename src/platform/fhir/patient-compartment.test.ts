/**
 * patientOf names no capability's type, and finds the same patient as the kernel function it
 * replaced (frozen below, as it was at commit 96c8719, when it named Appointment) for every stored
 * type and every way a valid R4 resource can point at a patient: audit records, patient binding
 * and the compartment index rows stay what they were.
 */
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { PATIENT_REFERENCE } from './ids.js';
import { patientOf } from './patient-compartment.js';
import { RESOURCE_TYPES } from './resource-types.js';
import { compiledType } from './validation/compiled-schema.js';

function frozenPatientOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id ? `Patient/${resource.id}` : undefined;
  const record = resource as unknown as Record<string, unknown>;
  for (const element of ['subject', 'patient', 'beneficiary', 'for']) {
    const value = record[element] as { reference?: string } | undefined;
    const reference = value?.reference;
    if (typeof reference === 'string' && PATIENT_REFERENCE.test(reference)) return reference;
  }
  if (resource.resourceType === 'Appointment') {
    for (const participant of resource.participant ?? []) {
      const reference = participant.actor?.reference;
      if (reference?.startsWith('Patient/')) return reference;
    }
  }
  return undefined;
}

const ELEMENTS = ['subject', 'patient', 'beneficiary', 'for'];
const REFERENCES = [
  'Patient/p1',
  'Group/g1',
  'Practitioner/d1',
  'Patient/not an id',
  'Patient/p1/_history/2',
  '',
];

/** The stored types whose R4 `participant` has an `actor` (where the compartment looks for one). */
function typesWithParticipantActor(): string[] {
  return RESOURCE_TYPES.filter((type) => {
    const participant = compiledType(type)?.properties.get('participant');
    return participant !== undefined && compiledType(participant.typeCode)?.properties.has('actor') === true;
  });
}

/** Resources of `type` pointing at patients (and at others) in every way the function looks. */
function corpus(type: string, withParticipants: boolean): Resource[] {
  const of = (fields: Record<string, unknown>) => ({ resourceType: type, id: 'r1', ...fields }) as Resource;
  const resources: Resource[] = [of({}), { resourceType: type } as Resource];
  for (const element of ELEMENTS) {
    for (const reference of REFERENCES) resources.push(of({ [element]: { reference } }));
    resources.push(of({ [element]: { display: 'no reference' } }));
  }
  for (const first of ELEMENTS) {
    for (const second of ELEMENTS) {
      if (first !== second) {
        resources.push(of({ [first]: { reference: 'Group/g1' }, [second]: { reference: 'Patient/p2' } }));
        resources.push(of({ [first]: { reference: 'Patient/p1' }, [second]: { reference: 'Patient/p2' } }));
      }
    }
  }
  if (withParticipants) {
    const actors = (...references: string[]) => references.map((reference) => ({ actor: { reference } }));
    for (const reference of REFERENCES) resources.push(of({ participant: actors(reference) }));
    resources.push(of({ participant: actors('Practitioner/d1', 'Patient/p2', 'Patient/p3') }));
    resources.push(of({ participant: [{ type: [] }, ...actors('Patient/p2')] }));
    resources.push(of({ subject: { reference: 'Patient/p1' }, participant: actors('Patient/p2') }));
    resources.push(of({ subject: { reference: 'Group/g1' }, participant: actors('Patient/p2') }));
    resources.push(of({ participant: [] }));
  }
  return resources;
}

describe('patientOf', () => {
  it('looks for participants only where R4 has them: of the stored types, Appointment', () => {
    expect(typesWithParticipantActor()).toEqual(['Appointment']);
  });

  const withParticipants = new Set(typesWithParticipantActor());
  it.each(RESOURCE_TYPES.map((type) => [type]))('finds the patient it found before: %s', (type) => {
    for (const resource of corpus(type, withParticipants.has(type))) {
      expect(patientOf(resource), JSON.stringify(resource)).toBe(frozenPatientOf(resource));
    }
  });

  it('finds an Appointment patient among its participants, after the generic elements', () => {
    const appointment = {
      resourceType: 'Appointment',
      status: 'booked',
      participant: [
        { actor: { reference: 'Location/l1' }, status: 'accepted' },
        { actor: { reference: 'Patient/p1' }, status: 'accepted' },
      ],
    } as Resource;
    expect(patientOf(appointment)).toBe('Patient/p1');
    expect(patientOf({ ...appointment, participant: [] } as Resource)).toBeUndefined();
  });

  it('is its own patient for a Patient, and nobody’s without an id', () => {
    expect(patientOf({ resourceType: 'Patient', id: 'p9' })).toBe('Patient/p9');
    expect(patientOf({ resourceType: 'Patient' })).toBeUndefined();
  });
});
