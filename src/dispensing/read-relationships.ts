/**
 * What dispensing relates to a pharmacy (read-access): the prescriptions released to it (their
 * items as MedicationRequests, their dispenses and its claims for them) and those prescriptions'
 * patients. A prescription returned to the spine is no longer the pharmacy's (`dispenser` cleared).
 */
import type { ResourceRules } from '../platform/fhir/resource-rules.js';

/** The short-form ID a stored MedicationRequest row (`alias`) belongs to. */
const groupIdentifierOf = (alias: string) => `(${alias}.content::jsonb #>> '{groupIdentifier,value}')`;

export function declareDispensingRelationships(rules: ResourceRules): void {
  const roles = ['dispenser'] as const;
  rules.relate('Patient', {
    description: 'has a prescription released to the pharmacy',
    roles,
    sql: ({ org, row }) =>
      `EXISTS (SELECT 1 FROM prescription rx_patient WHERE rx_patient.patient = 'Patient/' || ${row}.id` +
      ` AND rx_patient.dispenser = ${org})`,
  });
  rules.relate('MedicationRequest', {
    description: 'an item of a prescription released to the pharmacy',
    roles,
    sql: ({ org, row }) =>
      `EXISTS (SELECT 1 FROM prescription rx_item WHERE rx_item.short_form_id = ${groupIdentifierOf(row)}` +
      ` AND rx_item.dispenser = ${org})`,
  });
  rules.relate('MedicationDispense', {
    description: 'dispenses an item of a prescription released to the pharmacy',
    roles,
    sql: ({ org, row }) =>
      'EXISTS (SELECT 1 FROM search_reference rx_dispensed' +
      " JOIN fhir_resource rx_request ON rx_request.resource_type = 'MedicationRequest'" +
      ' AND rx_request.id = rx_dispensed.target_id' +
      ` JOIN prescription rx_of ON rx_of.short_form_id = ${groupIdentifierOf('rx_request')}` +
      ` WHERE rx_dispensed.resource_type = 'MedicationDispense' AND rx_dispensed.id = ${row}.id` +
      " AND rx_dispensed.param = 'prescription' AND rx_dispensed.target_type = 'MedicationRequest'" +
      ` AND rx_of.dispenser = ${org})`,
  });
  rules.relate('Claim', {
    description: 'the pharmacy’s own claim',
    roles,
    sql: ({ org, row }) =>
      `EXISTS (SELECT 1 FROM prescription_claim rx_claim WHERE rx_claim.claim_id = ${row}.id` +
      ` AND rx_claim.pharmacy = ${org})`,
  });
}
