/**
 * The resource types dispensing declares to the platform's generic FHIR routes: how each is read
 * (resource-rules.ts) and, in read-relationships.ts, what it relates to a pharmacy. Nobody writes
 * them through the generic routes: dispenses and claims change only through their operations,
 * messages through the messaging routes.
 */
import type { ResourceRules } from '../platform/fhir/resource-rules.js';
import { declareDispensingRelationships } from './read-relationships.js';

export function declareDispensingTypes(rules: ResourceRules): void {
  for (const type of ['MedicationDispense', 'Claim']) {
    rules.declareReads(type, { group: 'prescription', patientData: true });
  }
  // Prescriber–dispenser messages: read by their parties through the messaging routes.
  rules.declareReads('Communication', { group: 'messages', patientData: true });
  declareDispensingRelationships(rules);
}
