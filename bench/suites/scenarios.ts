/**
 * The measured FHIR interactions. Every request names a different resource: creates carry a new
 * NHS number each, reads and searches pick a random seeded patient or organisation.
 */
import type autocannon from 'autocannon';
import { NHS_NUMBER_SYSTEM } from '../../src/nhs/index.js';
import { familyName, nhsNumber, patient } from '../data/data.js';

export interface Seeded {
  patientIds: string[];
  nhsNumbers: string[];
  organizationIds: string[];
  families: number;
  /** NHS numbers are `nhsNumber(n, nhsBase)`; creates continue after the seeded ones. */
  nhsBase: number;
  /** The stored JSON of one seeded patient, served by the bare fastify baseline. */
  samplePatientJson: string;
}

export interface Scenario {
  name: string;
  /** Whether each request writes an audit record (patient data). */
  audited: boolean;
  /** The route pattern in the server's /metrics histogram. */
  route: string;
  method: 'GET' | 'POST';
  /** The requests, each carrying the bearer token. */
  requests(token: string): autocannon.Request[];
}

function headers(token: string) {
  return {
    'content-type': 'application/fhir+json',
    accept: 'application/fhir+json',
    authorization: `Bearer ${token}`,
  };
}

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)]!;
}

function get(token: string, path: () => string): autocannon.Request[] {
  return [
    { method: 'GET', headers: headers(token), setupRequest: (request) => ({ ...request, path: path() }) },
  ];
}

export function scenarios(seeded: Seeded): Scenario[] {
  // Creates continue the seeded numbering, so no two patients in a run share an NHS number.
  let next = seeded.patientIds.length;
  return [
    {
      name: 'read Patient/{id}',
      audited: true,
      route: '/fhir/R4/:type/:id',
      method: 'GET',
      requests: (token) => get(token, () => `/fhir/R4/Patient/${pick(seeded.patientIds)}`),
    },
    {
      name: 'read Organization/{id}',
      audited: false,
      route: '/fhir/R4/:type/:id',
      method: 'GET',
      requests: (token) => get(token, () => `/fhir/R4/Organization/${pick(seeded.organizationIds)}`),
    },
    {
      name: 'search Patient?identifier',
      audited: true,
      route: '/fhir/R4/:type',
      method: 'GET',
      requests: (token) =>
        get(
          token,
          () =>
            `/fhir/R4/Patient?identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${pick(seeded.nhsNumbers)}`)}`,
        ),
    },
    {
      name: 'search Patient?family&_count=10',
      audited: true,
      route: '/fhir/R4/:type',
      method: 'GET',
      requests: (token) =>
        get(
          token,
          () =>
            `/fhir/R4/Patient?family=${familyName(Math.floor(Math.random() * seeded.families))}&_count=10`,
        ),
    },
    {
      name: 'create Patient',
      audited: true,
      route: '/fhir/R4/:type',
      method: 'POST',
      requests: (token) => [
        {
          method: 'POST',
          path: '/fhir/R4/Patient',
          headers: headers(token),
          setupRequest: (request) => {
            const n = next++;
            const body = JSON.stringify(patient(n, nhsNumber(n, seeded.nhsBase), seeded.families));
            return { ...request, body };
          },
        },
      ],
    },
  ];
}
