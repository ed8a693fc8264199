/**
 * Who is calling: the verified identity every protected route authorises against. Built from a
 * Pathways access token or from a trusted external issuer's token (mapped to the same shape).
 */
export const ROLES = [
  'prescriber',
  'dispenser',
  'registrar',
  'clinician',
  'patient',
  'service-desk',
  'admin',
  /** Exports pseudonymised data for analytics (Bulk Data $export, ViewDefinition/$run); reads no records. */
  'analyst',
] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface Principal {
  /** Token `sub`: the account id (users) or the client id (system clients). */
  subject: string;
  issuer: string;
  roles: Role[];
  /** `Practitioner/…` or `Patient/…` the account acts as. */
  fhirUser?: string;
  /** ODS code of the organisation the caller acts for. */
  org?: string;
  scopes: string[];
  /** Authentication methods: `pwd`, `otp`, … (RFC 8176). */
  amr: string[];
  /** Epoch seconds of the last interactive authentication. */
  authTime?: number;
  /** Set for system clients (client_credentials). */
  clientId?: string;
  tokenId?: string;
  /**
   * Pathways tokens of a signed-in person: the sign-in session (refresh family) the token belongs
   * to, by which it is revoked (suspension, lockout, refresh-token reuse).
   */
  sessionId?: string;
}

/** The claims of a Pathways access token (docs/api.md §3). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  auth_time?: number;
  amr: string[];
  roles: Role[];
  fhirUser?: string;
  org?: string;
  scope: string;
  client_id?: string;
  /** The sign-in session (refresh family) of a person's token: what revocation names. */
  sid?: string;
}

/** Access tokens live at most this long (the contract's ceiling is 30 minutes). */
export const ACCESS_TOKEN_TTL_S = 15 * 60;
