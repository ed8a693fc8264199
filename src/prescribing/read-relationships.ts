/**
 * Who prescribing relates to a patient (read-access): the prescribers and clinicians of an
 * organisation where a prescription for the patient was written read that patient's records.
 */
import type { ResourceRules } from '../platform/fhir/resource-rules.js';

export function declarePrescribingRelationships(rules: ResourceRules): void {
  rules.relatePatients({
    description: 'has a prescription written at the organisation',
    roles: ['prescriber', 'clinician'],
    sql: ({ org, patientId }) =>
      `EXISTS (SELECT 1 FROM prescription rx_written WHERE rx_written.patient = 'Patient/' || ${patientId}` +
      ` AND rx_written.prescriber_org = ${org})`,
  });
}
