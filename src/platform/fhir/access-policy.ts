/**
 * Who may use the generic FHIR REST interactions on each resource type (least privilege).
 * Prescription-bearing types are never written through the generic API: they change only through
 * their signed, state-checked operations (HAZ-TAMPER), which later capabilities register.
 */
import type { AccessPolicy } from '../auth/policy.js';
import type { Role } from '../auth/principal.js';

const STAFF: Role[] = ['prescriber', 'dispenser', 'clinician', 'registrar', 'service-desk', 'admin'];

/**
 * Reads by the generic API that are narrower than "every staff role and the patient": messages
 * between prescribers and dispensers are never shown to patients, and are read with organisation
 * binding through the messaging routes (the generic ones serve only the service desk).
 */
const READERS: Record<string, AccessPolicy> = {
  Communication: { roles: ['service-desk', 'admin'] },
};

/** Reads: every staff role; a patient only within their own compartment (re-checked per resource). */
export function readPolicy(resourceType: string): AccessPolicy {
  return READERS[resourceType] ?? { roles: [...STAFF, 'patient'], patient: 'bound' };
}

const WRITERS: Record<string, AccessPolicy> = {
  Practitioner: { roles: ['registrar'], stepUp: true },
  PractitionerRole: { roles: ['registrar'], stepUp: true },
  Organization: { roles: ['registrar', 'admin'] },
  Location: { roles: ['registrar', 'admin'] },
  HealthcareService: { roles: ['registrar', 'admin'] },
  Device: { roles: ['admin'] },
  Medication: { roles: ['registrar', 'admin'] },
  Patient: { roles: ['clinician', 'admin'] },
  Schedule: { roles: ['clinician', 'admin'] },
  Slot: { roles: ['clinician', 'admin'] },
  Appointment: { roles: ['clinician', 'admin'] },
  DiagnosticReport: { roles: ['clinician', 'admin'] },
  Observation: { roles: ['clinician', 'admin'] },
  Consent: { roles: ['clinician', 'admin', 'patient'], patient: 'bound' },
};

/** Create, update and delete. Types not listed (prescriptions, dispenses, claims, …): nobody. */
export function writePolicy(resourceType: string): AccessPolicy {
  return WRITERS[resourceType] ?? { roles: [] };
}
