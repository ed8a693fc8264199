/**
 * The resource types the hospital feed owns, declared to the platform: stays (Encounter), orders
 * (ServiceRequest) and the Provenance of each applied message. Only the feed writes them (as the
 * system writer `hl7`, through these rules like every type it writes); no HTTP role may, as
 * before they were declared. Each is read as clinical patient data
 * (resource-rules.ts); in read-relationships.ts: whom a patient is related to. Task: what the feed
 * may change of the portal's repeat requests (a merge, the EPR's answer) and nothing more
 * (task-rules.ts); no HTTP role writes a Task through the generic routes.
 */
import type { ResourceRules } from '../platform/fhir/resource-rules.js';
import { NOBODY } from '../platform/fhir/write-rules.js';
import { declareHl7Relationships } from './read-relationships.js';
import { feedTaskRules } from './task-rules.js';

/** The name the feed writes under (`systemWriters` of every type it writes). */
export const HL7_WRITER = 'hl7';

const OWNED = ['Encounter', 'ServiceRequest', 'Provenance'] as const;

export function declareHl7Types(rules: ResourceRules): void {
  for (const type of OWNED) {
    rules.declare(type, {
      write: NOBODY,
      systemWriters: [HL7_WRITER],
      audit: 'patient-data',
      // Nobody may write them, in a transaction Bundle or not: the Bundle answers as for any
      // type nobody writes (no hooks here would be skipped).
      inTransactionBundle: true,
    });
    rules.declareReads(type, { group: 'clinical', patientData: true });
  }
  rules.declare('Task', feedTaskRules(HL7_WRITER));
  declareHl7Relationships(rules);
}
