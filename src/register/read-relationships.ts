/**
 * Who the register relates to a patient (read-access): the prescribers and clinicians of the
 * patient's registered GP practice or managing organisation (Patient.generalPractitioner or
 * managingOrganization naming the organisation, one of its practitioner roles or locations).
 */
import { referencesPartOfOrganisation } from '../platform/fhir/read-access/organisation-sql.js';
import type { ResourceRules } from '../platform/fhir/resource-rules.js';

export function declareRegisterRelationships(rules: ResourceRules): void {
  rules.relatePatients({
    description: 'is registered with the organisation (GP practice or managing organisation)',
    roles: ['prescriber', 'clinician'],
    sql: ({ org, patientId }) =>
      "EXISTS (SELECT 1 FROM search_reference reg_gp WHERE reg_gp.resource_type = 'Patient'" +
      ` AND reg_gp.id = ${patientId} AND reg_gp.param IN ('general-practitioner', 'organization')` +
      ` AND ${referencesPartOfOrganisation('reg_gp', org)})`,
  });
}
