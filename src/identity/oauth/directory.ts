/**
 * What the token endpoint needs from the accounts and sign-in modules, as a narrow interface so
 * this module does not depend on their internals (the integrator adapts the real functions;
 * tests use an in-memory fake).
 */
import type { Queryable } from '../../platform/database/database.js';

export type AccountStatus = 'active' | 'suspended' | 'locked';

export interface DirectoryAccount {
  id: string;
  role: string;
  fhirUser?: string | null;
  org?: string | null;
  status: AccountStatus | string;
  /** A temporary lockout (failed sign-ins) while status stays active. */
  lockedUntil?: Date | null;
}

export interface RedeemInput {
  code: string;
  codeVerifier: string;
  clientId?: string;
  redirectUri?: string;
}

export interface RedeemedCode {
  /** The code's id: the refresh family remembers it, so a replay of the code can revoke it. */
  codeId?: string;
  accountId: string;
  /** RFC 8176 methods of the sign-in that produced the code, e.g. ['pwd', 'otp']. */
  amr: string[];
  /** When the user authenticated: epoch seconds, or a Date. */
  authTime: number | Date;
  /** The scope the app asked for at /oauth2/authorize (SMART App Launch), if it asked. */
  scope?: string;
}

export interface AccountDirectory {
  /**
   * The account, read inside the token endpoint's transaction. The real directory holds a share
   * lock on the row until that transaction ends, so a suspension or lockout running at the same
   * moment either comes first (and the grant sees it) or waits, and then revokes the family this
   * grant started too.
   */
  getAccount(tx: Queryable, id: string): Promise<DirectoryAccount | null | undefined>;
  /**
   * Consumes an authorisation code (single use, PKCE S256 checked against the verifier).
   * Returns null/undefined — or throws a Problem with a 4xx status — when the code is unknown,
   * expired, already used, or the verifier, client or redirect URI do not match. A thrown error
   * with `reason: 'reused'` and a `codeId` revokes the tokens issued from that code.
   */
  redeemCode(tx: Queryable, input: RedeemInput): Promise<RedeemedCode | null | undefined>;
}

export function epochSeconds(value: number | Date): number {
  return value instanceof Date ? Math.floor(value.getTime() / 1000) : Math.floor(value);
}
