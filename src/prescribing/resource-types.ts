/**
 * The resource types prescribing declares to the platform's generic FHIR routes: how each is read
 * (resource-rules.ts) and, in read-relationships.ts, whom a patient is related to. Nobody writes
 * a prescription through the generic routes: it changes only through its signed operations.
 */
import type { ResourceRules } from '../platform/fhir/resource-rules.js';
import { declarePrescribingRelationships } from './read-relationships.js';

export function declarePrescribingTypes(rules: ResourceRules): void {
  rules.declareReads('MedicationRequest', { group: 'prescription', patientData: true });
  declarePrescribingRelationships(rules);
}
