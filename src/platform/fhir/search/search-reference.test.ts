import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../../test/databases.js';
import { BASE_URL, sortedIds, storeResources } from '../../../../test/support/platform/fhir-search.js';
import { NHS_NUMBER_SYSTEM, ODS_SYSTEM } from '../../../nhs/index.js';
import { search } from './search.js';

const PRESCRIPTION_ID = 'https://fhir.nhs.uk/Id/prescription-order-number';

/** EPS-shaped Tasks: focus and for are references by identifier, without a literal reference. */
const resources: Resource[] = [
  {
    resourceType: 'Task',
    id: 't1',
    status: 'requested',
    intent: 'order',
    focus: { identifier: { system: PRESCRIPTION_ID, value: 'A0548B-A99968-451485' } },
    for: { identifier: { system: NHS_NUMBER_SYSTEM, value: '9449304130' } },
    owner: { identifier: { system: ODS_SYSTEM, value: 'FA565' } },
    businessStatus: {
      coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/EPS-task-business-status', code: '0001' }],
    },
  },
  {
    resourceType: 'Task',
    id: 't2',
    status: 'accepted',
    intent: 'order',
    focus: {
      reference: 'MedicationRequest/m1',
      identifier: { system: PRESCRIPTION_ID, value: 'B12345-A99968-451481' },
    },
    for: { reference: 'Patient/p1', identifier: { system: NHS_NUMBER_SYSTEM, value: '9449305552' } },
    owner: { reference: 'Organization/o1' },
  },
  {
    resourceType: 'Task',
    id: 't3',
    status: 'requested',
    intent: 'order',
    for: { reference: 'Group/g1' },
    focus: { reference: 'urn:uuid:7c4b7a4e-1e0e-4d0b-9b2c-1f1f1f1f1f1f' },
  },
  {
    resourceType: 'MedicationRequest',
    id: 'm1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    requester: { reference: 'http://example.org/fhir/PractitionerRole/pr1/_history/3' },
  },
  {
    resourceType: 'MedicationRequest',
    id: 'm2',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p2' },
    requester: { reference: 'PractitionerRole/pr2' },
  },
];

describe.each(databaseKinds)('reference search on %s', (kind) => {
  let database: TestDatabase;
  const find = (type: string, query: string) =>
    search(database.db, type, new URLSearchParams(query), { baseUrl: BASE_URL });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await storeResources(database.db, resources);
  });
  afterAll(() => database.dispose());

  it('matches Type/id, a bare id, and an absolute URL ending in Type/id', async () => {
    expect(sortedIds(await find('MedicationRequest', 'subject=Patient/p1'))).toEqual(['m1']);
    expect(sortedIds(await find('MedicationRequest', 'subject=p2'))).toEqual(['m2']);
    expect(sortedIds(await find('MedicationRequest', `patient=${BASE_URL}/Patient/p1`))).toEqual(['m1']);
    expect(sortedIds(await find('MedicationRequest', 'requester=PractitionerRole/pr1'))).toEqual(['m1']);
    expect(sortedIds(await find('MedicationRequest', 'subject=Patient/p1,Patient/p2'))).toEqual(['m1', 'm2']);
  });

  it('honours a :Type modifier', async () => {
    expect(sortedIds(await find('MedicationRequest', 'subject:Patient=p1'))).toEqual(['m1']);
    expect(sortedIds(await find('Task', 'subject:Group=g1'))).toEqual(['t3']);
    expect(sortedIds(await find('Task', 'subject:Patient=g1'))).toEqual([]);
  });

  it('matches a reference that is not Type/id by its whole text', async () => {
    expect(sortedIds(await find('Task', 'focus=urn:uuid:7c4b7a4e-1e0e-4d0b-9b2c-1f1f1f1f1f1f'))).toEqual([
      't3',
    ]);
  });

  it('focus:identifier finds Tasks by prescription ID, with or without the system', async () => {
    expect(sortedIds(await find('Task', 'focus:identifier=A0548B-A99968-451485'))).toEqual(['t1']);
    expect(sortedIds(await find('Task', `focus:identifier=${PRESCRIPTION_ID}|B12345-A99968-451481`))).toEqual(
      ['t2'],
    );
    expect(sortedIds(await find('Task', `focus:identifier=${PRESCRIPTION_ID}|`))).toEqual(['t1', 't2']);
    expect(sortedIds(await find('Task', 'focus:identifier=urn:other|A0548B-A99968-451485'))).toEqual([]);
  });

  it('patient:identifier finds Tasks whose for is a Patient by identifier only', async () => {
    expect(sortedIds(await find('Task', 'patient:identifier=9449304130'))).toEqual(['t1']);
    expect(sortedIds(await find('Task', `patient:identifier=${NHS_NUMBER_SYSTEM}|9449305552`))).toEqual([
      't2',
    ]);
    expect(sortedIds(await find('Task', 'patient=Patient/p1'))).toEqual(['t2']);
    // Task.for = Group/g1 is not a patient
    expect(sortedIds(await find('Task', 'patient=g1'))).toEqual([]);
  });

  it('combines reference and token parameters', async () => {
    expect(sortedIds(await find('Task', 'patient:identifier=9449304130&business-status=0001'))).toEqual([
      't1',
    ]);
    expect(sortedIds(await find('Task', 'owner:identifier=FA565&status=accepted'))).toEqual([]);
    expect(sortedIds(await find('Task', 'owner=Organization/o1&status=accepted'))).toEqual(['t2']);
  });

  it(':missing on references', async () => {
    expect(sortedIds(await find('Task', 'owner:missing=true'))).toEqual(['t3']);
  });
});
