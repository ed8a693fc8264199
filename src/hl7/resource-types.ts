/**
 * The resource types the hospital feed declares to the platform's generic FHIR routes: how each is
 * read (resource-rules.ts) and, in read-relationships.ts, whom a patient is related to. Stays,
 * orders and the Provenance of each message are written by the feed only, never through the
 * generic routes. (Results, which the feed also stores, are the portal's: portal/resource-types.ts.)
 */
import type { ResourceRules } from '../platform/fhir/resource-rules.js';
import { declareHl7Relationships } from './read-relationships.js';

export function declareHl7Types(rules: ResourceRules): void {
  for (const type of ['Encounter', 'ServiceRequest', 'Provenance']) {
    rules.declareReads(type, { group: 'clinical', patientData: true });
  }
  declareHl7Relationships(rules);
}
