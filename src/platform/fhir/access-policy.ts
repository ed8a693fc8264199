/**
 * Who may use the generic FHIR REST interactions on each resource type (least privilege).
 * Prescription-bearing types are never written through the generic API: they change only through
 * their signed, state-checked operations (HAZ-TAMPER), which later capabilities register.
 */
import type { AccessPolicy } from '../auth/policy.js';
import type { Role } from '../auth/principal.js';
import { staffReadersOf, typeGroupOf } from './read-access/read-rule.js';

/**
 * Reads: the staff roles that read the type at all (read-access/read-rule.ts: who reads every
 * instance and who only those related to their organisation), and a patient within their own
 * compartment (re-checked per resource) — except messages between prescribers and dispensers
 * and cohorts (Group), which patients never see.
 */
export function readPolicy(resourceType: string): AccessPolicy {
  const roles: Role[] = staffReadersOf(resourceType);
  const group = typeGroupOf(resourceType);
  if (group !== 'messages' && group !== 'cohort') roles.push('patient');
  return { roles, patient: 'bound' };
}

const WRITERS: Record<string, AccessPolicy> = {
  Practitioner: { roles: ['registrar'], stepUp: true },
  PractitionerRole: { roles: ['registrar'], stepUp: true },
  Organization: { roles: ['registrar', 'admin'] },
  Location: { roles: ['registrar', 'admin'] },
  HealthcareService: { roles: ['registrar', 'admin'] },
  Device: { roles: ['admin'] },
  Group: { roles: ['admin'] },
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
