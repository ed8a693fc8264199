import type { Resource } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { declaredResourceRules } from '../../../test/support/platform/declared-rules.js';
import { patientOf } from '../fhir/patient-compartment.js';
import { ResourceRules } from '../fhir/resource-rules.js';
import {
  checkBundlePatientBinding,
  checkPatientBinding as checkWith,
  type OpenTypes,
} from './patient-binding.js';
import type { Principal } from './principal.js';

/** What the service's access control is given: every capability's declarations. */
const OPEN: OpenTypes = declaredResourceRules().typesOpenToPatients();
const checkPatientBinding = <T extends Resource>(principal: Principal, resources: readonly T[]) =>
  checkWith(principal, resources, OPEN);

const me: Principal = {
  subject: 'acc-1',
  issuer: 'http://localhost:3000',
  roles: ['patient'],
  fhirUser: 'Patient/me',
  scopes: [],
  amr: ['pwd', 'otp'],
};

const medicationRequest = (patient: string, id = 'mr') =>
  ({ resourceType: 'MedicationRequest', id, subject: { reference: patient } }) as Resource;
const appointment = (patient: string) =>
  ({
    resourceType: 'Appointment',
    id: 'ap',
    status: 'booked',
    participant: [{ actor: { reference: 'Practitioner/p1' } }, { actor: { reference: patient } }],
  }) as Resource;

describe('checkPatientBinding', () => {
  it('lets a patient see their own records and reference data, and blocks everyone else’s', () => {
    const mine = [
      { resourceType: 'Patient', id: 'me' } as Resource,
      medicationRequest('Patient/me', 'mine'),
      appointment('Patient/me'),
      { resourceType: 'Organization', id: 'pharmacy' } as Resource,
      { resourceType: 'Medication', id: 'amoxicillin' } as Resource,
    ];
    const theirs = [
      { resourceType: 'Patient', id: 'other' } as Resource,
      medicationRequest('Patient/other', 'theirs'),
      appointment('Patient/other'),
      // No patient at all and not reference data: unknown means no.
      { resourceType: 'Task', id: 't', status: 'requested', intent: 'order' } as Resource,
      // An absolute reference could be another server's Patient/me.
      medicationRequest('https://elsewhere.example/fhir/Patient/me', 'absolute'),
      { resourceType: 'Patient' } as Resource,
    ];
    // Interleaved, as a search result would be; order is kept on both sides.
    const mixed = [theirs[0]!, mine[0]!, theirs[1]!, mine[1]!, mine[2]!, theirs[2]!, mine[3]!, mine[4]!];
    const result = checkPatientBinding(me, [...mixed, ...theirs.slice(3)]);
    expect(result.allowed).toEqual(mine);
    expect(result.blocked).toEqual(theirs);
  });

  it('blocks every patient record when the patient account is not linked to a record', () => {
    const unlinked = { ...me, fhirUser: undefined };
    const result = checkPatientBinding(unlinked, [
      { resourceType: 'Patient', id: 'me' } as Resource,
      { resourceType: 'Practitioner', id: 'p1' } as Resource,
    ]);
    expect(result.allowed.map((r) => r.resourceType)).toEqual(['Practitioner']);
    expect(result.blocked.map((r) => r.resourceType)).toEqual(['Patient']);
  });

  it('does not filter for staff tokens', () => {
    const staff: Principal = { ...me, roles: ['clinician'], fhirUser: 'Practitioner/p1' };
    const resources = [medicationRequest('Patient/a'), medicationRequest('Patient/b')];
    expect(checkPatientBinding(staff, resources)).toEqual({ allowed: resources, blocked: [] });
  });

  it('filters a search Bundle, including _include entries and resource-less entries, and lowers total', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 3,
      entry: [
        { resource: medicationRequest('Patient/me', 'a'), search: { mode: 'match' } },
        { resource: medicationRequest('Patient/other', 'b'), search: { mode: 'match' } },
        { resource: { resourceType: 'Patient', id: 'other' }, search: { mode: 'include' } },
        { fullUrl: 'http://x/fhir/R4/MedicationRequest/c' },
        { resource: medicationRequest('Patient/me', 'd'), search: { mode: 'match' } },
      ],
    } as const;
    const result = checkBundlePatientBinding(
      me,
      bundle as unknown as Parameters<typeof checkBundlePatientBinding>[1],
      OPEN,
    );
    expect(result.bundle.entry?.map((e) => e.resource?.id)).toEqual(['a', 'd']);
    expect(result.bundle.total).toBe(1);
    expect(result.blocked.map((r) => `${r.resourceType}/${r.id}`)).toEqual([
      'MedicationRequest/b',
      'Patient/other',
    ]);
    const staff = { ...me, roles: ['dispenser'] } as Principal;
    expect(checkBundlePatientBinding(staff, bundle as never, OPEN).bundle).toBe(bundle);
  });

  it('property: a patient never gets a resource outside their compartment, and nothing is lost', () => {
    const types = ['Patient', 'MedicationRequest', 'Observation', 'Task', 'Organization', 'Medication'];
    const resource = fc
      .record({
        resourceType: fc.constantFrom(...types),
        id: fc.constantFrom('me', 'other'),
        patient: fc.option(fc.constantFrom('Patient/me', 'Patient/other', 'Patient/me/x', 'patient/me')),
      })
      .map(({ resourceType, id, patient }) => {
        const r: Record<string, unknown> = { resourceType, id };
        if (patient !== null) r[resourceType === 'Task' ? 'for' : 'subject'] = { reference: patient };
        return r as unknown as Resource;
      });
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 12 }), (resources) => {
        const { allowed, blocked } = checkPatientBinding(me, resources);
        expect(allowed.length + blocked.length).toBe(resources.length);
        for (const r of allowed) {
          expect(OPEN.has(r.resourceType) || patientOf(r) === 'Patient/me').toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

// That the declarations add up to exactly the list the kernel held is src/read-rules.test.ts's check.
describe('the types open to every patient (derived from the declared read rules)', () => {
  it('cannot be changed once derived', () => {
    expect(() => (OPEN as Set<string>).add('Observation')).toThrow(TypeError);
    expect(() => (OPEN as Set<string>).delete('Organization')).toThrow(TypeError);
    expect(OPEN.has('Observation')).toBe(false);
    expect(OPEN.has('Organization')).toBe(true);
  });

  it('refuses a type nobody declared unless its subject is the patient (unknown means no)', () => {
    const undeclared = (id: string, patient?: string) =>
      ({
        resourceType: 'AllergyIntolerance',
        id,
        ...(patient ? { patient: { reference: patient } } : {}),
      }) as Resource;
    expect(declaredResourceRules().readDeclaredTypes()).not.toContain('AllergyIntolerance');
    const result = checkPatientBinding(me, [
      undeclared('mine', 'Patient/me'),
      undeclared('theirs', 'Patient/other'),
      undeclared('nobodys'),
    ]);
    expect(result.allowed.map((r) => r.id)).toEqual(['mine']);
    expect(result.blocked.map((r) => r.id)).toEqual(['theirs', 'nobodys']);
  });

  it('refuses a declared type not opened to patients (a Device) unless it is the patient’s own', () => {
    const device = (patient?: string) =>
      ({
        resourceType: 'Device',
        id: patient ?? 'd',
        ...(patient ? { patient: { reference: patient } } : {}),
      }) as Resource;
    const result = checkPatientBinding(me, [device('Patient/me'), device('Patient/other'), device()]);
    expect(result.allowed).toEqual([device('Patient/me')]);
    expect(result.blocked).toHaveLength(2);
  });

  it('opens nothing but OperationOutcome when no capability declared anything', () => {
    const bare = new ResourceRules().typesOpenToPatients();
    expect([...bare]).toEqual(['OperationOutcome']);
    const result = checkWith(
      me,
      [
        { resourceType: 'Organization', id: 'pharmacy' } as Resource,
        { resourceType: 'Patient', id: 'me' } as Resource,
      ],
      bare,
    );
    expect(result.allowed.map((r) => r.resourceType)).toEqual(['Patient']);
    expect(result.blocked.map((r) => r.resourceType)).toEqual(['Organization']);
  });
});
