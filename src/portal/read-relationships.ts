/**
 * Who the portal relates to a patient (read-access): the prescribers and clinicians of an
 * organisation where the patient has an appointment (a participant, or the slot's schedule, at
 * one of its locations, services or practitioner roles) or a result from it (a report's or an
 * observation's performer, or the report's interpreter).
 */
import { referencesPartOfOrganisation } from '../platform/fhir/read-access/organisation-sql.js';
import type { ResourceRules } from '../platform/fhir/resource-rules.js';

export function declarePortalRelationships(rules: ResourceRules): void {
  const roles = ['prescriber', 'clinician'] as const;
  rules.relatePatients({
    description: 'has an appointment at the organisation',
    roles,
    sql: ({ org, patientId }) =>
      "EXISTS (SELECT 1 FROM search_reference appt_patient WHERE appt_patient.resource_type = 'Appointment'" +
      ` AND appt_patient.param = 'patient' AND appt_patient.target_type = 'Patient' AND appt_patient.target_id = ${patientId}` +
      " AND (EXISTS (SELECT 1 FROM search_reference appt_at WHERE appt_at.resource_type = 'Appointment'" +
      " AND appt_at.id = appt_patient.id AND appt_at.param IN ('actor', 'location')" +
      ` AND ${referencesPartOfOrganisation('appt_at', org)})` +
      ' OR EXISTS (SELECT 1 FROM search_reference appt_slot JOIN search_reference appt_schedule' +
      " ON appt_schedule.resource_type = 'Slot' AND appt_schedule.id = appt_slot.target_id AND appt_schedule.param = 'schedule'" +
      " JOIN search_reference appt_clinic ON appt_clinic.resource_type = 'Schedule'" +
      " AND appt_clinic.id = appt_schedule.target_id AND appt_clinic.param = 'actor'" +
      " WHERE appt_slot.resource_type = 'Appointment' AND appt_slot.id = appt_patient.id AND appt_slot.param = 'slot'" +
      ` AND ${referencesPartOfOrganisation('appt_clinic', org)})))`,
  });
  rules.relatePatients({
    description: 'has a result from the organisation',
    roles,
    sql: ({ org, patientId }) =>
      'EXISTS (SELECT 1 FROM search_reference result_patient' +
      " WHERE result_patient.resource_type IN ('DiagnosticReport', 'Observation')" +
      ` AND result_patient.param = 'patient' AND result_patient.target_type = 'Patient' AND result_patient.target_id = ${patientId}` +
      ' AND EXISTS (SELECT 1 FROM search_reference result_by WHERE result_by.resource_type = result_patient.resource_type' +
      " AND result_by.id = result_patient.id AND result_by.param IN ('performer', 'results-interpreter')" +
      ` AND ${referencesPartOfOrganisation('result_by', org)}))`,
  });
}
