/**
 * The portal suite's two reads, each asked by a random signed-in patient about their own records
 * with their own token: the prescription tracker (src/prescribing/routes/task-search.ts) and the
 * generic Appointment search with patient binding (src/platform/fhir/routes/history-search.ts).
 */
import type autocannon from 'autocannon';
import type { SignedInPatient } from '../data/portal-accounts.js';
import { todayUtc } from '../data/portal-seed.js';

export interface PortalScenario {
  name: string;
  /** The route pattern whose handler time /metrics reports. */
  route: string;
  path: (patient: string) => string;
  /** Entries each patient's own search returns. */
  expected: number;
}

/** The tracker's default page is 20 Tasks. */
const TRACKER_PAGE = 20;

export function portalScenarios(
  perPatient: { prescriptions: number; appointments: number },
  today = todayUtc(),
): PortalScenario[] {
  // The first of two or more appointments is in the past (portal-seed.ts).
  const upcoming = perPatient.appointments >= 2 ? perPatient.appointments - 1 : perPatient.appointments;
  return [
    {
      name: '(i) prescriptions: Task?patient (the tracker)',
      route: '/fhir/R4/Task',
      path: (patient) => `/fhir/R4/Task?patient=${patient}`,
      expected: Math.min(perPatient.prescriptions, TRACKER_PAGE),
    },
    {
      name: `(ii) appointments: Appointment?patient&date=ge${today}`,
      route: '/fhir/R4/:type',
      path: (patient) => `/fhir/R4/Appointment?patient=${patient}&date=ge${today}`,
      expected: upcoming,
    },
  ];
}

/** Autocannon requests: each a random patient of `patients`, their own records, their own token. */
export function patientReads(patients: SignedInPatient[], scenario: PortalScenario): autocannon.Request[] {
  const calls = patients.map((p) => ({
    path: scenario.path(p.patient),
    authorization: `Bearer ${p.session.token}`,
  }));
  return [
    {
      method: 'GET',
      headers: { accept: 'application/fhir+json' },
      setupRequest: (request) => {
        const call = calls[Math.floor(Math.random() * calls.length)]!;
        return {
          ...request,
          path: call.path,
          headers: { ...request.headers, authorization: call.authorization },
        };
      },
    },
  ];
}
