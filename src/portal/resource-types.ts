/**
 * The resource types the portal declares to the platform's generic FHIR routes: how each is
 * written and read (resource-rules.ts) and, in read-relationships.ts, whom a patient is related to.
 * Results (DiagnosticReport, Observation) also arrive from the hospital feed (hl7), which stores
 * them; the portal declares them because it writes and shows them through the generic routes.
 * Tasks are the repeat requests the portal stores.
 */
import type { ResourceRules } from '../platform/fhir/resource-rules.js';
import { appointmentRules } from './appointments/booking.js';
import { PORTAL_POLICIES, PORTAL_SYSTEM_WRITERS } from './policies.js';
import { declarePortalRelationships } from './read-relationships.js';

/**
 * Timetables, results and demographics: the generic store, audited as patient data. The hospital
 * feed writes each of them too (Patient from PID, the EPR's Schedules and Slots, ORU results).
 */
const CLINICAL = ['Patient', 'Schedule', 'Slot', 'DiagnosticReport', 'Observation'] as const;

export function declarePortalTypes(rules: ResourceRules): void {
  rules.declare('Appointment', appointmentRules);
  for (const type of CLINICAL) {
    rules.declare(type, {
      write: PORTAL_POLICIES.manageRecords,
      systemWriters: PORTAL_SYSTEM_WRITERS,
      audit: 'patient-data',
      inTransactionBundle: true,
    });
  }
  rules.declare('Consent', {
    write: PORTAL_POLICIES.writeConsent,
    audit: 'patient-data',
    inTransactionBundle: true,
  });
  // Timetables: which times exist and are free, never who booked them (open to every patient).
  for (const type of ['Schedule', 'Slot'])
    rules.declareReads(type, { group: 'directory', patientData: false, openToPatients: true });
  for (const type of ['Appointment', 'Consent', 'DiagnosticReport', 'Observation']) {
    rules.declareReads(type, { group: 'clinical', patientData: true });
  }
  rules.declareReads('Task', { group: 'task', patientData: true });
  declarePortalRelationships(rules);
}
