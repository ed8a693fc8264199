/**
 * Demo data for `npm start`: organisations and patients, seeded once (a later start finds them
 * and changes nothing). Identifiers are synthetic: NHS numbers with valid check digits from the
 * test range, ODS-style codes that do not belong to real sites.
 */
import type { Organization, Patient, Resource } from '@medplum/fhirtypes';
import type { Database } from '../platform/database/database.js';
import { readCurrent, updateResource } from '../platform/fhir/store/repository.js';

const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

function organisation(id: string, ods: string, name: string, type: string, town: string): Organization {
  return {
    resourceType: 'Organization',
    id,
    identifier: [{ system: ODS, value: ods }],
    active: true,
    type: [{ coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/organisation-role', code: type }] }],
    name,
    address: [{ city: town, country: 'GB' }],
  };
}

function patient(
  id: string,
  nhs: string,
  family: string,
  given: string,
  birthDate: string,
  gender: Patient['gender'],
  postcode: string,
  telecom: Patient['telecom'] = [],
): Patient {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ system: NHS, value: nhs }],
    ...(telecom.length > 0 ? { telecom } : {}),
    address: [{ use: 'home', city: 'Leeds', postalCode: postcode, country: 'GB' }],
    name: [{ use: 'usual', family, given: [given] }],
    gender,
    birthDate,
    generalPractitioner: [{ identifier: { system: ODS, value: 'A83008' } }],
  };
}

export const DEMO_RESOURCES: Resource[] = [
  organisation('demo-gp-practice', 'A83008', 'Riverside Medical Practice (demo)', '76', 'Leeds'),
  organisation('demo-pharmacy-1', 'FCG71', 'High Street Pharmacy (demo)', '182', 'Leeds'),
  organisation('demo-pharmacy-2', 'FEW08', 'Station Road Pharmacy (demo)', '182', 'York'),
  organisation('demo-hospital', 'RR8', 'Leeds General Hospital (demo)', '197', 'Leeds'),
  // The hospital's clinic the portal's demo appointments are in (its clinicians read those patients).
  {
    resourceType: 'Location',
    id: 'demo-outpatients',
    status: 'active',
    name: 'Outpatients, Leeds General Hospital (demo)',
    // Synthetic: Ofcom's drama range (01632 960xxx) is never a real number.
    telecom: [{ system: 'phone', value: '01632 960 123', use: 'work' }],
    address: { line: ['Great George Street'], city: 'Leeds', postalCode: 'LS1 3EX', country: 'GB' },
    managingOrganization: { reference: 'Organization/demo-hospital' },
  },
  patient('demo-patient-1', '9449306060', 'Hughes', 'Alex', '1968-04-17', 'female', 'LS1 4AP', [
    { system: 'phone', use: 'mobile', value: '07700900123' },
    { system: 'email', value: 'alex.hughes@example.com' },
  ]),
  patient('demo-patient-2', '9449304130', 'Okafor', 'Sam', '1992-11-03', 'male', 'LS6 2QB'),
  patient('demo-patient-3', '9449310378', 'Campbell', 'Jordan', '2001-07-22', 'other', 'LS15 8BA'),
];

/** Seeds what is missing; returns how many resources it wrote. */
export async function seedDemo(db: Database): Promise<number> {
  let written = 0;
  for (const resource of DEMO_RESOURCES) {
    const id = resource.id!;
    await db.transaction(async (tx) => {
      if (await readCurrent(tx, resource.resourceType, id)) return;
      await updateResource(tx, resource.resourceType, id, resource);
      written++;
    });
  }
  return written;
}
