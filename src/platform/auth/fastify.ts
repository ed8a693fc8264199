/**
 * Access control at the HTTP edge: the `authenticate` hook that every /fhir and /admin scope runs
 * (bearer token → `request.principal`), and the enforcement of the access each route declares in
 * `config: { access }` (a policy, `'public'` or `policyInHandler(…)`, see policy.ts `RouteAccess`)
 * by its scope's `protect`. There is no other way to attach a policy to a route.
 * Patient binding of what a route returns goes through `bindToPatient`, which refuses, audits,
 * logs and counts every blocked resource (HAZ-WRONG-PATIENT); which types are open to every
 * patient is what the capabilities declared (`reads`), never a list here.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Registry } from 'prom-client';
import type { AuditInput } from '../audit/audit-event.js';
import { forbidden, Problem } from '../errors/problem.js';
import { LITERAL_REFERENCE, PATIENT_REFERENCE } from '../fhir/ids.js';
import { patientOf } from '../fhir/patient-compartment.js';
import type { PatientCompartment } from '../fhir/search/index.js';
import { agentFromPrincipal } from './agent.js';
import { missingToken } from './challenge.js';
import {
  checkBundlePatientBinding,
  checkPatientBinding,
  type OpenTypes,
  patientCompartmentOf,
} from './patient-binding.js';
import {
  type AccessPolicy,
  authorize,
  authorizeOrganisation,
  isPatientBound,
  isPolicyInHandler,
  type RouteAccess,
} from './policy.js';
import type { Principal } from './principal.js';
import { clinicalSafetyCounter } from './safety-events.js';
import type { TokenVerifier } from './verify.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; set by `authenticate`, so always present inside a protected scope. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Who may call the route (policy.ts `RouteAccess`), enforced by the scope's `protect`. */
    access?: RouteAccess;
  }
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface AccessControlDeps {
  verifier: Pick<TokenVerifier, 'verify'>;
  audit: { record(input: AuditInput): Promise<void> };
  metrics: Registry;
  /** STEP_UP_MAX_AGE_S. */
  stepUpMaxAgeS: number;
  /**
   * The declared read rules (fhir/resource-rules.ts `ResourceRules`), asked on each request for
   * the types open to every patient: the capabilities declare theirs after the access control is
   * made, before any route is served.
   */
  reads: { typesOpenToPatients(): OpenTypes };
  now?: () => Date;
}

export interface AccessControl {
  /** onRequest hook: a bearer token is required and verified (401 otherwise). */
  authenticate: Hook;
  /**
   * Enforces a policy from inside a handler (401 no principal / step-up, 403 refused and audited),
   * for routes that declare `policyInHandler(…)` only: the policy depends on what the request names.
   * Every other route states its policy in `config.access` and never calls this.
   */
  enforce(request: FastifyRequest, policy: AccessPolicy): Promise<void>;
  /** The resources the caller may see; the others are refused, audited, logged and counted. */
  bindToPatient<T extends Resource>(request: FastifyRequest, resources: readonly T[]): Promise<T[]>;
  /** A search or history Bundle about to be returned, with the caller's entries only. */
  bindBundleToPatient(request: FastifyRequest, bundle: Bundle): Promise<Bundle>;
  /**
   * What a patient-bound caller's searches are narrowed to in SQL (the same rule as `bindToPatient`);
   * undefined for other callers.
   */
  patientCompartment(request: FastifyRequest): PatientCompartment | undefined;
  /** One resource about to be returned: 403 (after the same reporting) when it is another patient's. */
  assertPatientBound(request: FastifyRequest, resource: Resource): Promise<void>;
  /** Organisation binding once the resource (and its org) is known. */
  assertOrganisation(request: FastifyRequest, resourceOrg: string | undefined): void;
}

/** The audit trail's own shapes: anything else would make the record (and the request) fail. */
const REFERENCE = LITERAL_REFERENCE;
const PATIENT = PATIENT_REFERENCE;

/** The caller, or a 401 when a route was (wrongly) left outside a protected scope. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw missingToken();
  return request.principal;
}

/** The audit agent of a request (replaces `agentOf` in fhir/routes/deps.ts). */
export function agentOfRequest(request: FastifyRequest): AuditInput['agent'] {
  return agentFromPrincipal(request.principal, request.ip);
}

/**
 * Who made a request and which request it was: the part of every audit record a route writes that
 * comes from the request (`{ ...auditRequest(request), action, subtype, outcome, entity }`).
 */
export function auditRequest(request: FastifyRequest): Pick<AuditInput, 'agent' | 'requestId'> {
  return { agent: agentOfRequest(request), requestId: request.id };
}

/** Does this caller's data have to be filtered through `bindToPatient`? (Staff: no, skip parsing.) */
export function needsPatientBinding(request: FastifyRequest): boolean {
  return request.principal !== undefined && isPatientBound(request.principal);
}

export function createAccessControl(deps: AccessControlDeps): AccessControl {
  const now = deps.now ?? (() => new Date());
  const safetyEvents = clinicalSafetyCounter(deps.metrics);

  async function auditRefusal(request: FastifyRequest, problem: Problem, subtype: AuditInput['subtype']) {
    try {
      await deps.audit.record({
        subtype,
        outcome: '4',
        ...auditRequest(request),
        detail: problem.issues[0]?.diagnostics ?? problem.message,
      });
    } catch (error) {
      // The refusal stands whether or not its record could be written.
      request.log.error({ err: error }, 'could not audit a refused request');
    }
  }

  const authenticate: Hook = async (request) => {
    const header = request.headers.authorization;
    if (!header) throw missingToken();
    // Scheme names are case-insensitive (RFC 9110); the token's shape is the verifier's business.
    if (header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') throw missingToken();
    try {
      request.principal = await deps.verifier.verify(header.slice(7));
    } catch (error) {
      if (error instanceof Problem && error.status === 401) await auditRefusal(request, error, 'login');
      throw error;
    }
  };

  async function check(request: FastifyRequest, policy: AccessPolicy): Promise<void> {
    const decision = authorize(principalOf(request), policy, {
      now: now(),
      stepUpMaxAgeS: deps.stepUpMaxAgeS,
    });
    if (decision.ok) return;
    // A step-up challenge is part of the normal flow; a refusal is a security event.
    if (decision.problem.status === 403) {
      await auditRefusal(request, decision.problem, 'use-of-restricted-function');
    }
    throw decision.problem;
  }

  /** The preHandler `protect` gives a route for its declared policy. */
  const requireAccess =
    (policy: AccessPolicy): Hook =>
    (request) =>
      check(request, policy);

  async function reportWrongPatient(request: FastifyRequest, blocked: readonly Resource[]): Promise<void> {
    safetyEvents.inc({ hazard: 'HAZ-WRONG-PATIENT' });
    // No references or ids: which patient is personal data, and the audit trail has it.
    request.log.warn(
      {
        safetyEvent: 'HAZ-WRONG-PATIENT',
        blocked: blocked.length,
        resourceTypes: [...new Set(blocked.map((resource) => resource.resourceType))],
        route: request.routeOptions.url,
      },
      "clinical safety event: another patient's data was blocked from a patient's response",
    );
    const agent = agentOfRequest(request);
    await Promise.all(
      blocked.map((resource) => {
        const patient = patientOf(resource);
        const reference = `${resource.resourceType}/${resource.id}`;
        return deps.audit.record({
          action: 'R',
          subtype: 'use-of-restricted-function',
          outcome: '4',
          agent,
          entity: { reference: REFERENCE.test(reference) ? reference : resource.resourceType },
          ...(patient && PATIENT.test(patient) ? { patient } : {}),
          requestId: request.id,
          detail: "HAZ-WRONG-PATIENT: not in the caller's own record; not returned",
        });
      }),
    );
  }

  async function bindToPatient<T extends Resource>(request: FastifyRequest, resources: readonly T[]) {
    const { allowed, blocked } = checkPatientBinding(
      principalOf(request),
      resources,
      deps.reads.typesOpenToPatients(),
    );
    if (blocked.length > 0) await reportWrongPatient(request, blocked);
    return allowed;
  }

  const control: AccessControl = {
    authenticate,
    async enforce(request, policy) {
      const declared = request.routeOptions.config?.access;
      // A programming error, not a caller's: a route may not hide its policy in its handler
      // without saying so where it is registered (the route-access test lists what routes declare).
      if (!isPolicyInHandler(declared)) {
        throw new Error(
          `${request.method} ${request.routeOptions.url} enforces a policy in its handler without declaring policyInHandler(…)`,
        );
      }
      await check(request, policy);
    },
    bindToPatient,
    async bindBundleToPatient(request, bundle) {
      const checked = checkBundlePatientBinding(
        principalOf(request),
        bundle,
        deps.reads.typesOpenToPatients(),
      );
      if (checked.blocked.length > 0) await reportWrongPatient(request, checked.blocked);
      return checked.bundle;
    },
    patientCompartment(request) {
      return patientCompartmentOf(principalOf(request), deps.reads.typesOpenToPatients());
    },
    async assertPatientBound(request, resource) {
      const allowed = await bindToPatient(request, [resource]);
      if (allowed.length === 0) throw forbidden('You can only see records from your own patient record');
    },
    assertOrganisation(request, resourceOrg) {
      const decision = authorizeOrganisation(principalOf(request), resourceOrg);
      if (!decision.ok) throw decision.problem;
    },
  };
  routeGuards.set(control, requireAccess);
  return control;
}

/** Each access control's policy preHandler, for `protect` alone (routes cannot attach one). */
const routeGuards = new WeakMap<AccessControl, (policy: AccessPolicy) => Hook>();

export interface ProtectOptions {
  /**
   * Refuse to register a route in this scope that declares no `config.access`: a forgotten
   * policy fails at start-up instead of serving everyone who has a token. Every scope of the
   * service sets it.
   */
  requireDeclaredPolicy?: boolean;
}

/** The route options `protect` has seen: those routes are behind authentication and their policy. */
const protectedRoutes = new WeakSet<object>();

/**
 * Makes a scope protected: every request needs a verified bearer token (except to a route that
 * declares `access: 'public'`), and each route's declared policy runs as its first preHandler —
 * after authentication (onRequest, 401) and body parsing, before the route's own preHandlers and
 * its handler's validation (400). Call before registering the scope's routes.
 */
export function protect(scope: FastifyInstance, access: AccessControl, options: ProtectOptions = {}): void {
  const requireAccess = routeGuards.get(access);
  if (!requireAccess) throw new Error('protect needs an access control made by createAccessControl');
  if (!scope.hasRequestDecorator('principal')) scope.decorateRequest('principal', undefined);
  scope.addHook('onRequest', async (request, reply) => {
    // A public route in a protected prefix (the CapabilityStatement, read to learn how to
    // authenticate) needs no token; nothing else here is answered without one.
    if (request.routeOptions.config?.access === 'public') return;
    await access.authenticate(request, reply);
  });
  scope.addHook('onRoute', (route) => {
    protectedRoutes.add(route);
    const declared = route.config?.access;
    if (declared === undefined) {
      if (options.requireDeclaredPolicy) {
        throw new Error(`route ${route.method} ${route.url} declares no access policy (config.access)`);
      }
      return;
    }
    if (declared === 'public' || isPolicyInHandler(declared)) return;
    const existing = route.preHandler === undefined ? [] : [route.preHandler].flat();
    route.preHandler = [requireAccess(declared), ...existing];
  });
}

/** One route of an app and the access it declares (see `recordDeclaredAccess`). */
export interface DeclaredRoute {
  method: string;
  url: string;
  access: RouteAccess | undefined;
  /** Registered in a scope made by `protect` (so a declared policy is enforced). */
  protected: boolean;
}

const routesByApp = new WeakMap<FastifyInstance, RouteOptions[]>();

/**
 * Keeps a list of every route registered on `app` from now on (call on the root before any route),
 * for `declaredRoutes`: the route-access test walks it to find a route that declares nothing, a
 * policy nothing enforces, or a public route nobody listed.
 */
export function recordDeclaredAccess(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  routesByApp.set(app, routes);
  // The same options object reaches the scopes' hooks after this one, so `protect` marks it later.
  app.addHook('onRoute', (route) => void routes.push(route));
}

export function declaredRoutes(app: FastifyInstance): DeclaredRoute[] {
  return (routesByApp.get(app) ?? []).map((route) => ({
    method: [route.method].flat().join(','),
    url: route.url,
    access: route.config?.access,
    protected: protectedRoutes.has(route),
  }));
}
