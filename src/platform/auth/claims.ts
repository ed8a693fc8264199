/**
 * Verified JWT claims → Principal. Pathways' own tokens must have exactly the contract's shape
 * (anything odd means a bug or a forgery, so the token is refused); external tokens are mapped
 * through their issuer's configuration and anything unusable is dropped, which can only take
 * access away.
 */
import type { JWTPayload } from 'jose';
import { invalidToken } from './challenge.js';
import { isRole, type Principal, type Role } from './principal.js';
import type { TrustedIssuerConfig } from './trusted-issuers.js';

/** Relative references only: an absolute URL could name another server's Patient/1. */
const FHIR_USER =
  /^(Practitioner|PractitionerRole|Patient|RelatedPerson|Person|Device)\/[A-Za-z0-9\-.]{1,64}$/;
const ORG = /^[A-Za-z0-9-]{1,32}$/;

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function principalFromLocalClaims(payload: JWTPayload): Principal {
  const bad = (what: string) => invalidToken(`The access token's ${what} claim is not valid`);
  if (typeof payload.sub !== 'string' || payload.sub === '') throw bad('sub');
  const roles = stringArray(payload.roles);
  if (!roles) throw bad('roles');
  const amr = payload.amr === undefined ? [] : stringArray(payload.amr);
  if (!amr) throw bad('amr');
  if (payload.scope !== undefined && typeof payload.scope !== 'string') throw bad('scope');
  const authTime = optionalNumber(payload.auth_time);
  if (payload.auth_time !== undefined && authTime === undefined) throw bad('auth_time');
  const fhirUser = payload.fhirUser;
  if (fhirUser !== undefined && (typeof fhirUser !== 'string' || !FHIR_USER.test(fhirUser)))
    throw bad('fhirUser');
  const org = payload.org;
  if (org !== undefined && (typeof org !== 'string' || !ORG.test(org))) throw bad('org');
  const clientId = payload.client_id;
  if (clientId !== undefined && typeof clientId !== 'string') throw bad('client_id');
  const sid = payload.sid;
  if (sid !== undefined && (typeof sid !== 'string' || sid === '' || sid.length > 64)) throw bad('sid');
  return {
    subject: payload.sub,
    issuer: payload.iss ?? '',
    // A role this build does not know grants nothing rather than failing every request.
    roles: roles.filter(isRole),
    ...(fhirUser !== undefined ? { fhirUser } : {}),
    ...(org !== undefined ? { org } : {}),
    scopes: splitScope(payload.scope),
    amr,
    ...(authTime !== undefined ? { authTime } : {}),
    ...(clientId !== undefined ? { clientId } : {}),
    ...(typeof payload.jti === 'string' ? { tokenId: payload.jti } : {}),
    ...(sid !== undefined ? { sessionId: sid } : {}),
  };
}

function splitScope(scope: unknown): string[] {
  if (typeof scope === 'string') return scope.split(' ').filter((item) => item !== '');
  return stringArray(scope) ?? [];
}

/** Reads `a.b.c` from nested claims (Keycloak puts roles in `realm_access.roles`). */
export function claimAt(payload: JWTPayload, path: string): unknown {
  if (path in payload) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function mapExternalRoles(value: unknown, roleMap: Record<string, Role> | undefined): Role[] {
  const values = typeof value === 'string' ? [value] : (stringArray(value) ?? []);
  const roles = new Set<Role>();
  for (const item of values) {
    if (roleMap) {
      // Own-property lookup: "constructor" or "__proto__" must not map to anything.
      const mapped = Object.hasOwn(roleMap, item) ? roleMap[item] : undefined;
      if (mapped) roles.add(mapped);
    } else if (isRole(item)) {
      roles.add(item);
    }
  }
  return [...roles];
}

export function principalFromExternalClaims(payload: JWTPayload, config: TrustedIssuerConfig): Principal {
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw invalidToken("The access token's sub claim is not valid");
  }
  const fhirUser = claimAt(payload, config.fhirUserClaim ?? 'fhirUser');
  const org = claimAt(payload, config.orgClaim ?? 'org');
  const authTime = optionalNumber(payload.auth_time);
  return {
    subject: payload.sub,
    issuer: config.issuer,
    roles: mapExternalRoles(claimAt(payload, config.rolesClaim ?? 'roles'), config.roleMap),
    ...(typeof fhirUser === 'string' && FHIR_USER.test(fhirUser) ? { fhirUser } : {}),
    ...(typeof org === 'string' && ORG.test(org) ? { org } : {}),
    scopes: splitScope(claimAt(payload, config.scopeClaim ?? 'scope')),
    amr: (stringArray(payload.amr) ?? []).map((value) =>
      config.amrMap && Object.hasOwn(config.amrMap, value) ? config.amrMap[value]! : value,
    ),
    ...(authTime !== undefined ? { authTime } : {}),
    // RFC 9068: a client_credentials token's sub is the client itself. (azp alone also appears on
    // user tokens, so it does not make the caller a system client.)
    ...(typeof payload.client_id === 'string' && payload.client_id === payload.sub
      ? { clientId: payload.client_id }
      : {}),
    ...(typeof payload.jti === 'string' ? { tokenId: payload.jti } : {}),
  };
}
