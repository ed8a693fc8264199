/**
 * Demo data for `npm start`: organisations and patients, seeded once (a later start finds them
 * and changes nothing). Identifiers are synthetic: NHS numbers with valid check digits from the
 * test range, ODS-style codes that do not belong to real sites.
 */
import type { Organization, Patient, Resource } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM, ODS_SYSTEM } from '../nhs/index.js';
import type { Database } from '../platform/database/database.js';
import { readCurrent, updateResource } from '../platform/fhir/store/repository.js';

function organisation(id: string, ods: string, name: string, type: string, town: string): Organization {
  return {
    resourceType: 'Organization',
    id,
    identifier: [{ system: ODS_SYSTEM, value: ods }],
    active: true,
    type: [{ coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/organisation-role', code: type }] }],
    name,
    address: [{ city: town, country: 'GB' }],
  };
}

/**
 * A community pharmacy patients can find and nominate in the portal (ODS role 182), with the
 * address and phone number they would recognise it by. Phone numbers are in Ofcom's drama
 * ranges (0113 496 0xxx, 01632 960xxx).
 */
function pharmacy(
  id: string,
  ods: string,
  name: string,
  address: { line: string; city: string; postalCode: string },
  phone: string,
): Organization {
  return {
    ...organisation(id, ods, name, '182', address.city),
    telecom: [{ system: 'phone', value: phone, use: 'work' }],
    address: [{ line: [address.line], city: address.city, postalCode: address.postalCode, country: 'GB' }],
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
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhs }],
    ...(telecom.length > 0 ? { telecom } : {}),
    address: [{ use: 'home', city: 'Leeds', postalCode: postcode, country: 'GB' }],
    name: [{ use: 'usual', family, given: [given] }],
    gender,
    birthDate,
    generalPractitioner: [{ identifier: { system: ODS_SYSTEM, value: 'A83008' } }],
  };
}

export const DEMO_RESOURCES: Resource[] = [
  organisation('demo-gp-practice', 'A83008', 'Riverside Medical Practice (demo)', '76', 'Leeds'),
  pharmacy(
    'demo-pharmacy-1',
    'FCG71',
    'High Street Pharmacy (demo)',
    { line: '12 High Street', city: 'Leeds', postalCode: 'LS1 6HB' },
    '0113 496 0101',
  ),
  pharmacy(
    'demo-pharmacy-2',
    'FEW08',
    'Station Road Pharmacy (demo)',
    { line: '3 Station Road', city: 'York', postalCode: 'YO24 1AB' },
    '01632 960 202',
  ),
  pharmacy(
    'demo-pharmacy-3',
    'FDM21',
    'Headingley Pharmacy (demo)',
    { line: '45 Otley Road', city: 'Leeds', postalCode: 'LS6 3AB' },
    '0113 496 0303',
  ),
  pharmacy(
    'demo-pharmacy-4',
    'FDM32',
    'Kirkstall Lane Chemist (demo)',
    { line: '210 Kirkstall Lane', city: 'Leeds', postalCode: 'LS5 3DE' },
    '0113 496 0404',
  ),
  pharmacy(
    'demo-pharmacy-5',
    'FDM43',
    'Crossgates Health Pharmacy (demo)',
    { line: '7 Station Road, Crossgates', city: 'Leeds', postalCode: 'LS15 8EU' },
    '0113 496 0505',
  ),
  pharmacy(
    'demo-pharmacy-6',
    'FDM54',
    'Briggate Late-Night Pharmacy (demo)',
    { line: '88 Briggate', city: 'Leeds', postalCode: 'LS1 6LY' },
    '0113 496 0606',
  ),
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
