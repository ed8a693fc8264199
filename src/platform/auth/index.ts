/** Authentication and authorisation: the one verification step and the one policy module. */
export { agentFromPrincipal } from './agent.js';
export { insufficientUserAuthentication, invalidToken, missingToken } from './challenge.js';
export {
  type AccessControl,
  type AccessControlDeps,
  agentOfRequest,
  auditRequest,
  createAccessControl,
  type DeclaredRoute,
  declaredRoutes,
  needsPatientBinding,
  principalOf,
  protect,
  recordDeclaredAccess,
} from './fastify.js';
export { checkPatientBinding, type OpenTypes } from './patient-binding.js';
export {
  type AccessContext,
  type AccessDecision,
  type AccessPolicy,
  authorize,
  authorizeOrganisation,
  hasRecentStepUp,
  isPolicyInHandler,
  type PolicyInHandler,
  policyInHandler,
  type RouteAccess,
} from './policy.js';
export * from './principal.js';
export { CLINICAL_SAFETY_EVENTS, clinicalSafetyCounter, type Hazard } from './safety-events.js';
export { parseTrustedIssuers, type TrustedIssuerConfig, TrustedIssuersError } from './trusted-issuers.js';
export {
  createTokenVerifier,
  MAX_LOCAL_LIFETIME_S,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './verify.js';
