import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../../test/databases.js';
import { BASE_URL, sortedIds, storeResources } from '../../../../test/support/platform/fhir-search.js';
import { NHS_NUMBER_SYSTEM } from '../../../nhs/index.js';
import { search } from './search.js';

const SNOMED = 'http://snomed.info/sct';

const resources: Resource[] = [
  {
    resourceType: 'Patient',
    id: 'p1',
    active: true,
    gender: 'female',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9449304130' }],
    telecom: [{ system: 'email', value: 'ann@example.org' }],
    meta: { profile: ['https://fhir.nhs.uk/StructureDefinition/NHSDigital-Patient'] },
  },
  {
    resourceType: 'Patient',
    id: 'p2',
    active: false,
    gender: 'male',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9449305552' }, { value: 'LOCAL-1' }],
  },
  {
    resourceType: 'Patient',
    id: 'p3',
    gender: 'female',
    identifier: [{ system: 'urn:other', value: '9449304130' }],
  },
  {
    resourceType: 'MedicationRequest',
    id: 'm1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: {
      coding: [{ system: SNOMED, code: '39720311000001101', display: 'Paracetamol' }],
    },
  },
  {
    resourceType: 'MedicationRequest',
    id: 'm2',
    status: 'cancelled',
    intent: 'original-order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: { coding: [{ system: SNOMED, code: '42109611000001109' }] },
  },
  {
    resourceType: 'MedicationRequest',
    id: 'm3',
    status: 'active',
    intent: 'instance-order',
    subject: { reference: 'Patient/p2' },
    medicationCodeableConcept: { coding: [{ code: '39720311000001101' }] },
  },
];

describe.each(databaseKinds)('token search on %s', (kind) => {
  let database: TestDatabase;
  const find = (type: string, query: string) =>
    search(database.db, type, new URLSearchParams(query), { baseUrl: BASE_URL });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await storeResources(database.db, resources);
  });
  afterAll(() => database.dispose());

  it('matches a code on any system', async () => {
    expect(sortedIds(await find('MedicationRequest', 'status=active'))).toEqual(['m1', 'm3']);
    expect(sortedIds(await find('MedicationRequest', 'code=39720311000001101'))).toEqual(['m1', 'm3']);
  });

  it('matches system|code, |code (no system) and system| (any code of the system)', async () => {
    expect(sortedIds(await find('MedicationRequest', `code=${SNOMED}|39720311000001101`))).toEqual(['m1']);
    expect(sortedIds(await find('MedicationRequest', 'code=|39720311000001101'))).toEqual(['m3']);
    expect(sortedIds(await find('MedicationRequest', `code=${SNOMED}|`))).toEqual(['m1', 'm2']);
  });

  it('matches identifiers by system and value, value alone, or |value', async () => {
    expect(sortedIds(await find('Patient', `identifier=${NHS_NUMBER_SYSTEM}|9449304130`))).toEqual(['p1']);
    expect(sortedIds(await find('Patient', 'identifier=9449304130'))).toEqual(['p1', 'p3']);
    expect(sortedIds(await find('Patient', 'identifier=|LOCAL-1'))).toEqual(['p2']);
    expect(sortedIds(await find('Patient', `identifier=${NHS_NUMBER_SYSTEM}|`))).toEqual(['p1', 'p2']);
  });

  it('matches booleans, codes and ContactPoint values', async () => {
    expect(sortedIds(await find('Patient', 'active=true'))).toEqual(['p1']);
    expect(sortedIds(await find('Patient', 'active=false'))).toEqual(['p2']);
    expect(sortedIds(await find('Patient', 'gender=female'))).toEqual(['p1', 'p3']);
    expect(sortedIds(await find('Patient', 'email=ann@example.org'))).toEqual(['p1']);
  });

  it('ORs comma-separated values and ANDs repeated parameters', async () => {
    expect(sortedIds(await find('MedicationRequest', 'intent=order,instance-order'))).toEqual(['m1', 'm3']);
    expect(
      sortedIds(await find('MedicationRequest', `status=active&code=${SNOMED}|39720311000001101`)),
    ).toEqual(['m1']);
    expect(
      sortedIds(await find('MedicationRequest', 'intent=order,original-order&intent=original-order')),
    ).toEqual(['m2']);
    expect(
      sortedIds(
        await find('MedicationRequest', `status=cancelled,active&code=|39720311000001101,${SNOMED}|`),
      ),
    ).toEqual(['m1', 'm2', 'm3']);
  });

  it(':not excludes resources with a matching value, keeping those without any value', async () => {
    expect(sortedIds(await find('MedicationRequest', 'status:not=active'))).toEqual(['m2']);
    expect(sortedIds(await find('Patient', 'active:not=true'))).toEqual(['p2', 'p3']);
    expect(sortedIds(await find('Patient', 'gender:not=female,male'))).toEqual([]);
  });

  it(':missing finds resources with or without a value', async () => {
    expect(sortedIds(await find('Patient', 'active:missing=true'))).toEqual(['p3']);
    expect(sortedIds(await find('Patient', 'active:missing=false'))).toEqual(['p1', 'p2']);
  });

  it('matches _id and uri parameters', async () => {
    expect(sortedIds(await find('Patient', '_id=p1,p3'))).toEqual(['p1', 'p3']);
    expect(sortedIds(await find('Patient', '_id:not=p1'))).toEqual(['p2', 'p3']);
    expect(
      sortedIds(await find('Patient', '_profile=https://fhir.nhs.uk/StructureDefinition/NHSDigital-Patient')),
    ).toEqual(['p1']);
  });

  it('treats an escaped comma or bar as part of the value', async () => {
    await storeResources(database.db, [
      { resourceType: 'Patient', id: 'esc', identifier: [{ system: 'urn:x', value: 'a,b|c' }] },
    ]);
    expect(sortedIds(await find('Patient', 'identifier=urn:x|a\\,b\\|c'))).toEqual(['esc']);
  });
});
