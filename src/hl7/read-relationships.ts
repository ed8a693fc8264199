/**
 * Who the hospital feed relates to a patient (read-access): the prescribers and clinicians of the
 * organisation where the patient has a stay (Encounter.serviceProvider, from MSH-4) or an order
 * placed (ServiceRequest.requester or performer). Encounters and ServiceRequests are in the patient's
 * compartment, so the same relationship covers them.
 */
import { referencesPartOfOrganisation } from '../platform/fhir/read-access/organisation-sql.js';
import type { ResourceRules } from '../platform/fhir/resource-rules.js';

export function declareHl7Relationships(rules: ResourceRules): void {
  const roles = ['prescriber', 'clinician'] as const;
  rules.relatePatients({
    description: 'has a stay (Encounter) at the organisation',
    roles,
    sql: ({ org, patientId }) =>
      "EXISTS (SELECT 1 FROM search_reference hl7_enc_patient WHERE hl7_enc_patient.resource_type = 'Encounter'" +
      ` AND hl7_enc_patient.param = 'patient' AND hl7_enc_patient.target_type = 'Patient' AND hl7_enc_patient.target_id = ${patientId}` +
      " AND EXISTS (SELECT 1 FROM search_reference hl7_enc_at WHERE hl7_enc_at.resource_type = 'Encounter'" +
      " AND hl7_enc_at.id = hl7_enc_patient.id AND hl7_enc_at.param IN ('service-provider', 'location')" +
      ` AND ${referencesPartOfOrganisation('hl7_enc_at', org)}))`,
  });
  rules.relatePatients({
    description: 'has an order (ServiceRequest) placed with or by the organisation',
    roles,
    sql: ({ org, patientId }) =>
      "EXISTS (SELECT 1 FROM search_reference hl7_sr_patient WHERE hl7_sr_patient.resource_type = 'ServiceRequest'" +
      ` AND hl7_sr_patient.param = 'patient' AND hl7_sr_patient.target_type = 'Patient' AND hl7_sr_patient.target_id = ${patientId}` +
      " AND EXISTS (SELECT 1 FROM search_reference hl7_sr_by WHERE hl7_sr_by.resource_type = 'ServiceRequest'" +
      " AND hl7_sr_by.id = hl7_sr_patient.id AND hl7_sr_by.param IN ('requester', 'performer')" +
      ` AND ${referencesPartOfOrganisation('hl7_sr_by', org)}))`,
  });
}
