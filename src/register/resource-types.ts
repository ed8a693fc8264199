/**
 * The resource types the register declares to the platform's generic FHIR routes: how each is
 * written and read (resource-rules.ts) and, in read-relationships.ts, whom a patient is related to.
 */
import type { ResourceRules } from '../platform/fhir/resource-rules.js';
import { DIRECTORY_EDITORS, SYSTEM_EDITORS } from './policies.js';
import { practitionerRules } from './practitioners/write-rules.js';
import { declareRegisterRelationships } from './read-relationships.js';
import { practitionerRoleRules } from './rights/write-rules.js';

/** Directory types without rules of their own: the generic store, patient data never in them. */
const DIRECTORY = ['Organization', 'Location', 'HealthcareService', 'Medication'] as const;

export function declareRegisterTypes(rules: ResourceRules): void {
  rules.declare('Practitioner', practitionerRules);
  rules.declare('PractitionerRole', practitionerRoleRules);
  for (const type of DIRECTORY) {
    rules.declare(type, {
      write: DIRECTORY_EDITORS,
      // The hospital feed (a system writer) keeps the clinics its SIU messages name (AIL).
      ...(type === 'Location' ? { systemWriters: ['hl7'] } : {}),
      audit: 'patient-data',
      inTransactionBundle: true,
    });
  }
  rules.declare('Device', { write: SYSTEM_EDITORS, audit: 'patient-data', inTransactionBundle: true });
  // The directory every staff role reads in full; none of it is patient data. A patient sees all
  // of it (who prescribed, which pharmacy, what medicine) but a Device, which may name a patient.
  for (const type of ['Practitioner', 'PractitionerRole', ...DIRECTORY]) {
    rules.declareReads(type, { group: 'directory', patientData: false, openToPatients: true });
  }
  rules.declareReads('Device', { group: 'directory', patientData: false });
  declareRegisterRelationships(rules);
}
