/**
 * What the portal reads from its own access token: who is signed in and as what. The token is not
 * verified here (the server verifies it on every call); this only decides what to show.
 */

export interface Claims {
  subject: string;
  roles: string[];
  /** e.g. Patient/123 */
  fhirUser: string | undefined;
  /** Seconds since the epoch. */
  expiresAt: number;
  authTime: number | undefined;
}

export class MalformedToken extends Error {}

function decodeSegment(segment: string): unknown {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export function decodeClaims(token: string): Claims {
  const payload = token.split('.')[1];
  if (!payload) throw new MalformedToken('not a JWT');
  let claims: Record<string, unknown>;
  try {
    claims = decodeSegment(payload) as Record<string, unknown>;
  } catch {
    throw new MalformedToken('the token payload is not JSON');
  }
  if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number') {
    throw new MalformedToken('the token has no sub or exp');
  }
  return {
    subject: claims.sub,
    roles: Array.isArray(claims.roles) ? claims.roles.filter((role) => typeof role === 'string') : [],
    fhirUser: typeof claims.fhirUser === 'string' ? claims.fhirUser : undefined,
    expiresAt: claims.exp,
    authTime: typeof claims.auth_time === 'number' ? claims.auth_time : undefined,
  };
}

/** The id of the signed-in patient's own record, when the account is linked to one. */
export function patientIdOf(claims: Claims): string | undefined {
  if (!claims.roles.includes('patient')) return undefined;
  const match = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(claims.fhirUser ?? '');
  return match?.[1];
}

export function isServiceDesk(claims: Claims): boolean {
  return claims.roles.includes('service-desk') || claims.roles.includes('admin');
}

/** Where someone lands after signing in. */
export function homeOf(claims: Claims): string {
  if (patientIdOf(claims)) return '/';
  if (isServiceDesk(claims)) return '/service-desk';
  return '/not-for-this-account';
}
