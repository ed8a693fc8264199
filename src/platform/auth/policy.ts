/**
 * The access policy every protected route declares, and the pure decision over it. Routes never
 * check roles themselves: they state a policy and the HTTP layer (fastify.ts) enforces it, so the
 * rules live in one place and can be tested as a truth table.
 *
 * Order of checks: what cannot be fixed by signing in again (role, scope, organisation, patient
 * identity) is refused first with 403; only then is a stale sign-in answered with the step-up 401,
 * so a client is never sent to re-authenticate for something it still could not do.
 */
import { forbidden, type Problem } from '../errors/problem.js';
import { PATIENT_REFERENCE } from '../fhir/ids.js';
import { insufficientScope, insufficientUserAuthentication } from './challenge.js';
import type { Principal, Role } from './principal.js';

export interface AccessPolicy {
  /** The caller needs at least one of these roles. */
  roles: readonly Role[] | 'any-authenticated';
  /** The caller needs every one of these scopes (system clients are admitted by scope). */
  scopes?: readonly string[];
  /** [MFA] operations: `amr` has `otp` and `auth_time` is at most STEP_UP_MAX_AGE_S old. */
  stepUp?: boolean;
  /** The token's `org` must equal the organisation of the resource acted on. */
  organisation?: 'token-org-must-match';
  /** A `patient` caller only ever gets resources in its own compartment (see patient-binding.ts). */
  patient?: 'bound';
}

/**
 * What a route states in `config.access` (the one way a route declares who may call it):
 *   - an `AccessPolicy`: its scope's `protect` enforces it before the handler runs;
 *   - `'public'`: no token is needed (sign-in, discovery, health, the CA); listed on purpose in
 *     test/architecture/route-access.test.ts;
 *   - `policyInHandler(…)`: the policy depends on what the request names (the generic FHIR routes'
 *     resource type, a `$process-message` event), so the scope authenticates the caller and the
 *     handler enforces the policy it looks up with `access.enforce(request, policy)` before it
 *     reads or writes anything.
 */
export type RouteAccess = AccessPolicy | 'public' | PolicyInHandler;

export interface PolicyInHandler {
  /** Which rules decide, e.g. "the read rules of the resource type" (for the reader of the route). */
  readonly decidedInHandlerBy: string;
}

/** Declares that the handler decides (see `RouteAccess`): the rules it applies, in words. */
export function policyInHandler(decidedBy: string): PolicyInHandler {
  return { decidedInHandlerBy: decidedBy };
}

export function isPolicyInHandler(access: RouteAccess | undefined): access is PolicyInHandler {
  return typeof access === 'object' && 'decidedInHandlerBy' in access;
}

export interface AccessContext {
  now: Date;
  stepUpMaxAgeS: number;
  /** The organisation (ODS code) of the resource, once known; the route passes it after loading. */
  resourceOrg?: string;
}

export type AccessDecision = { ok: true } | { ok: false; problem: Problem };

/** An auth_time this far ahead of our clock is treated as bogus, not as very recent. */
const AUTH_TIME_SKEW_S = 60;

const refuse = (problem: Problem): AccessDecision => ({ ok: false, problem });

export function authorize(
  principal: Principal,
  policy: AccessPolicy,
  context: AccessContext,
): AccessDecision {
  if (policy.roles !== 'any-authenticated' && !policy.roles.some((role) => principal.roles.includes(role))) {
    // A policy with no roles is a door no one may open (e.g. writing a type no capability declares).
    return refuse(
      forbidden(
        policy.roles.length === 0
          ? 'No role may do this'
          : `This needs one of the roles: ${policy.roles.join(', ')}`,
      ),
    );
  }
  const missingScopes = (policy.scopes ?? []).filter((scope) => !principal.scopes.includes(scope));
  if (missingScopes.length > 0) return refuse(insufficientScope(missingScopes));
  if (policy.organisation === 'token-org-must-match') {
    const decision = authorizeOrganisation(principal, context.resourceOrg);
    if (!decision.ok) return decision;
  }
  if (policy.patient === 'bound' && isPatientBound(principal) && !ownPatient(principal)) {
    return refuse(forbidden('This patient account is not linked to a patient record'));
  }
  if (policy.stepUp && !hasRecentStepUp(principal, context)) {
    return refuse(insufficientUserAuthentication(context.stepUpMaxAgeS));
  }
  return { ok: true };
}

/**
 * Organisation binding. Before the resource is loaded (`resourceOrg` undefined) only "the caller
 * acts for some organisation" can be checked; the route calls this again with the resource's org.
 */
export function authorizeOrganisation(principal: Principal, resourceOrg: string | undefined): AccessDecision {
  if (!principal.org) return refuse(forbidden('This needs a token issued for an organisation'));
  if (resourceOrg !== undefined && resourceOrg !== principal.org) {
    return refuse(forbidden("This resource belongs to another organisation than the caller's"));
  }
  return { ok: true };
}

export function hasRecentStepUp(principal: Principal, context: Pick<AccessContext, 'now' | 'stepUpMaxAgeS'>) {
  if (!principal.amr.includes('otp') || principal.authTime === undefined) return false;
  const nowS = context.now.getTime() / 1000;
  const ageS = nowS - principal.authTime;
  return ageS <= context.stepUpMaxAgeS && ageS >= -AUTH_TIME_SKEW_S;
}

/** Patient binding applies to any token carrying the patient role, whatever else it carries. */
export function isPatientBound(principal: Principal): boolean {
  return principal.roles.includes('patient');
}

/** `Patient/<id>` the principal is, when its fhirUser is a Patient reference. */
export function ownPatient(principal: Principal): string | undefined {
  const fhirUser = principal.fhirUser;
  return fhirUser !== undefined && PATIENT_REFERENCE.test(fhirUser) ? fhirUser : undefined;
}
