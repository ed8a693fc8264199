/** The resource types analytics declares to the platform's generic FHIR routes. */
import type { ResourceRules } from '../platform/fhir/resource-rules.js';

export function declareAnalyticsTypes(rules: ResourceRules): void {
  // Cohorts for Group-level exports: defined by administrators, through the generic store.
  rules.declare('Group', { write: { roles: ['admin'] }, audit: 'patient-data', inTransactionBundle: true });
  // Who is in a cohort is read by administrators only (the `cohort` group); a Group is not audited
  // as patient data (its exports are, by the export's own audit record).
  rules.declareReads('Group', { group: 'cohort', patientData: false });
}
