/**
 * Pure rules for what goes into an access token and which scopes a caller gets. Kept apart from
 * signing and storage so that they can be unit-tested and read in one place.
 */
import {
  ACCESS_TOKEN_TTL_S,
  type AccessTokenClaims,
  isRole,
  type Role,
} from '../../platform/auth/principal.js';

/** The contract's ceiling for an access token's life (docs/api.md §3). */
export const MAX_ACCESS_TOKEN_TTL_S = 30 * 60;

export interface Issuer {
  /** PUBLIC_URL without a trailing slash: the `iss` of every token. */
  issuer: string;
  /** The FHIR base, `${issuer}/fhir/R4`: the `aud` of every access token. */
  audience: string;
  tokenEndpoint: string;
}

export function issuerOf(publicUrl: string): Issuer {
  const issuer = publicUrl.replace(/\/+$/, '');
  return { issuer, audience: `${issuer}/fhir/R4`, tokenEndpoint: `${issuer}/oauth2/token` };
}

export interface ClaimInput {
  subject: string;
  /** Epoch seconds. */
  now: number;
  jti: string;
  roles: Role[];
  scope: string;
  amr: string[];
  authTime?: number;
  fhirUser?: string | null;
  org?: string | null;
  clientId?: string | null;
  /** The refresh family of a person's sign-in (`sid`), by which the token can be revoked. */
  sessionId?: string | null;
  ttlSeconds?: number;
}

/** Exactly the claims of AccessTokenClaims, no more: optional ones are left out when unset. */
export function buildAccessClaims(issuer: Issuer, input: ClaimInput): AccessTokenClaims {
  const ttl = Math.min(input.ttlSeconds ?? ACCESS_TOKEN_TTL_S, MAX_ACCESS_TOKEN_TTL_S);
  if (ttl <= 0) throw new RangeError('access token lifetime must be positive');
  const claims: AccessTokenClaims = {
    iss: issuer.issuer,
    sub: input.subject,
    aud: issuer.audience,
    exp: input.now + ttl,
    iat: input.now,
    jti: input.jti,
    amr: [...input.amr],
    roles: [...input.roles],
    scope: input.scope,
  };
  if (input.authTime !== undefined) claims.auth_time = input.authTime;
  if (input.fhirUser) claims.fhirUser = input.fhirUser;
  if (input.org) claims.org = input.org;
  if (input.clientId) claims.client_id = input.clientId;
  if (input.sessionId) claims.sid = input.sessionId;
  return claims;
}

/** An account's single role as the token's `roles`; an unknown role grants nothing. */
export function rolesOf(role: string): Role[] {
  return isRole(role) ? [role] : [];
}

/**
 * The scope of a user's token. Authorisation is by role, organisation and patient binding (the
 * policy module), so the scope only states the SMART shape of access: a patient reads its own
 * compartment, staff act as a user; `offline_access` because a refresh token comes with it.
 */
export function userScope(role: string): string {
  const access = role === 'patient' ? 'patient/*.*' : 'user/*.*';
  return `openid fhirUser offline_access ${access}`;
}

/**
 * Scopes a client may ask for. SMART 2 resource scopes (`patient/Type.rs`, `user/*.cruds`, …; the
 * 1.0 forms `.read`, `.write`, `.*` too) for any resource type; these are examples of the shapes.
 */
export const SCOPES_SUPPORTED = [
  'openid',
  'fhirUser',
  'offline_access',
  'launch/patient',
  'patient/*.rs',
  'patient/*.cruds',
  'patient/*.*',
  'user/*.rs',
  'user/*.cruds',
  'user/*.*',
  'system/*.rs',
  'system/*.cruds',
  'system/*.*',
];

export function splitScope(scope: string | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter((s) => s.length > 0);
}

/**
 * The scope granted to a system client: what it asked for if every part is registered to it,
 * otherwise nothing (undefined → invalid_scope); everything registered when it asked for nothing.
 */
export function grantClientScope(registered: string, requested: string | undefined): string | undefined {
  const allowed = splitScope(registered);
  const asked = splitScope(requested);
  if (asked.length === 0) return allowed.join(' ');
  if (!asked.every((s) => allowed.includes(s))) return undefined;
  return [...new Set(asked)].join(' ');
}
