/** What a pseudonymised resource keeps, loses and replaces; and that pseudonyms are keyed and stable. */
import { describe, expect, it } from 'vitest';
import { NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import { pseudonymFunction } from './pseudonym-key.js';
import { PSEUDONYM_SYSTEM, pseudonymiseResource, pseudonymousReference } from './pseudonymise.js';

const key = Buffer.alloc(32, 7);
const pseudonym = pseudonymFunction(key);

const patient = {
  resourceType: 'Patient',
  id: 'pat-1',
  meta: { versionId: '1' },
  text: { status: 'generated', div: '<div>Sam Okafor</div>' },
  identifier: [
    { system: NHS_NUMBER_SYSTEM, value: '9449304130' },
    { system: 'https://hospital.example/mrn', value: 'MRN123' },
  ],
  name: [{ family: 'Okafor', given: ['Sam'] }],
  telecom: [{ system: 'phone', value: '07700900000' }],
  address: [{ line: ['1 Road'], postalCode: 'LS6 2QB' }],
  contact: [{ name: { family: 'Okafor' } }],
  gender: 'male',
  birthDate: '1992-11-03',
  generalPractitioner: [{ reference: 'Organization/gp', display: 'Riverside GP' }],
  link: [{ other: { reference: 'Patient/pat-0', display: 'Sam Okafor' }, type: 'replaces' }],
};

const request = {
  resourceType: 'MedicationRequest',
  id: 'mr-1',
  status: 'active',
  subject: {
    reference: 'Patient/pat-1',
    display: 'Sam Okafor',
    identifier: { system: NHS_NUMBER_SYSTEM, value: '9449304130' },
  },
  medicationCodeableConcept: {
    coding: [
      { system: 'http://snomed.info/sct', code: '39732311000001104', display: 'Amoxicillin 250mg capsules' },
    ],
    text: 'Amoxicillin for Sam',
  },
  note: [{ text: 'Patient lives alone at 1 Road' }],
  dosageInstruction: [{ text: 'one three times a day', patientInstruction: 'Sam: take with food' }],
  requester: { reference: 'PractitionerRole/pr-1' },
  authoredOn: '2026-03-01T10:00:00Z',
};

describe('pseudonymiseResource', () => {
  it('replaces the Patient id and NHS number with keyed pseudonyms and drops what identifies them', () => {
    const out = pseudonymiseResource(patient, pseudonym) as Record<string, unknown>;
    expect(out.id).toMatch(/^[0-9a-f]{32}$/);
    expect(out.id).not.toBe('pat-1');
    expect(out.identifier).toEqual([
      { system: PSEUDONYM_SYSTEM, value: pseudonym(NHS_NUMBER_SYSTEM, '9449304130') },
    ]);
    for (const key of ['name', 'telecom', 'address', 'contact', 'text']) expect(out).not.toHaveProperty(key);
    expect(out.birthDate).toBe('1992');
    expect(out.gender).toBe('male');
    expect(out.generalPractitioner).toEqual([{ reference: 'Organization/gp' }]);
    expect(out.link).toEqual([
      { other: { reference: `Patient/${pseudonym('Patient', 'pat-0')}` }, type: 'replaces' },
    ]);
    const text = JSON.stringify(out);
    for (const secret of ['Okafor', '9449304130', 'MRN123', '07700900000', 'LS6', 'pat-1']) {
      expect(text).not.toContain(secret);
    }
  });

  it('links other resources to the same pseudonym and removes their free text, keeping codes and dates', () => {
    const out = pseudonymiseResource(request, pseudonym) as typeof request;
    const pseudoPatient = (pseudonymiseResource(patient, pseudonym) as { id: string }).id;
    expect(out.subject).toEqual({
      reference: `Patient/${pseudoPatient}`,
      identifier: { system: PSEUDONYM_SYSTEM, value: pseudonym(NHS_NUMBER_SYSTEM, '9449304130') },
    });
    expect(out.medicationCodeableConcept.coding[0]!.code).toBe('39732311000001104');
    expect(out.medicationCodeableConcept).not.toHaveProperty('text');
    expect(out).not.toHaveProperty('note');
    expect(out.dosageInstruction).toEqual([{}]);
    expect(out.authoredOn).toBe('2026-03-01T10:00:00Z');
    expect(out.requester).toEqual({ reference: 'PractitionerRole/pr-1' });
    expect(JSON.stringify(out)).not.toMatch(/Sam|1 Road|9449304130/);
  });

  it('is stable under one key and different under another', () => {
    expect(pseudonymiseResource(patient, pseudonym)).toEqual(
      pseudonymiseResource(patient, pseudonymFunction(key)),
    );
    const other = pseudonymFunction(Buffer.alloc(32, 8));
    expect((pseudonymiseResource(patient, other) as { id: string }).id).not.toBe(
      (pseudonymiseResource(patient, pseudonym) as { id: string }).id,
    );
  });

  it('does not change its input', () => {
    const copy = structuredClone(request);
    pseudonymiseResource(request, pseudonym);
    expect(request).toEqual(copy);
  });

  it('pseudonymises absolute and relative Patient references only', () => {
    const id = pseudonym('Patient', 'p9');
    expect(pseudonymousReference('Patient/p9', pseudonym)).toBe(`Patient/${id}`);
    expect(pseudonymousReference('http://pathways.test/fhir/R4/Patient/p9', pseudonym)).toBe(`Patient/${id}`);
    expect(pseudonymousReference('Practitioner/p9', pseudonym)).toBe('Practitioner/p9');
    expect(pseudonymousReference('urn:uuid:1', pseudonym)).toBe('urn:uuid:1');
  });

  it('removes message contents, results as text and attachments', () => {
    const out = pseudonymiseResource(
      {
        resourceType: 'Communication',
        payload: [{ contentString: 'Sam called about the dose' }],
        extension: [{ url: 'x', valueString: 'free' }],
        subject: { reference: 'Patient/pat-1' },
      },
      pseudonym,
    );
    expect(JSON.stringify(out)).not.toMatch(/Sam|free/);
  });
});
