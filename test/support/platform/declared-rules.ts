/**
 * The resource rules every capability declares, assembled as app.ts does when it builds them (in
 * src/capabilities.ts order), for tests of what the declarations add up to without starting the app.
 */
import { declareAnalyticsTypes } from '../../../src/analytics/resource-types.js';
import { declareDispensingTypes } from '../../../src/dispensing/resource-types.js';
import { declareHl7Types } from '../../../src/hl7/resource-types.js';
import { ResourceRules } from '../../../src/platform/fhir/resource-rules.js';
import { declarePortalTypes } from '../../../src/portal/resource-types.js';
import { declarePrescribingTypes } from '../../../src/prescribing/resource-types.js';
import { declareRegisterTypes } from '../../../src/register/resource-types.js';

export function declaredResourceRules(): ResourceRules {
  const rules = new ResourceRules();
  declareRegisterTypes(rules);
  declarePrescribingTypes(rules);
  declareDispensingTypes(rules);
  declarePortalTypes(rules);
  declareHl7Types(rules);
  declareAnalyticsTypes(rules);
  return rules;
}
