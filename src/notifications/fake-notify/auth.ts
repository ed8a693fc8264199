/**
 * Notify's request authentication, as its API answers it: a Bearer JWT, HS256, signed with the
 * key's secret, `iss` = the service id, `iat` within 30 seconds of the server's clock. Missing
 * credentials are 401; anything wrong with the token is 403 (AuthError), in Notify's words.
 */
import { compactVerify, decodeProtectedHeader } from 'jose';
import type { ApiKey } from './api-key.js';

export interface AuthFailure {
  status: 401 | 403;
  message: string;
}

/** Notify allows this much clock difference either way. */
export const CLOCK_SKEW_S = 30;

export async function authenticate(
  header: string | undefined,
  key: ApiKey,
  nowMs: number,
): Promise<AuthFailure | undefined> {
  if (!header) return { status: 401, message: 'Unauthorized: authentication token must be provided' };
  const [scheme, token] = header.split(' ');
  if (scheme?.toLowerCase() !== 'bearer' || !token) {
    return { status: 401, message: 'Unauthorized: authentication bearer scheme must be used' };
  }
  let alg: string | undefined;
  let claims: Record<string, unknown>;
  try {
    alg = decodeProtectedHeader(token).alg;
    claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return { status: 403, message: 'Invalid token: signature, api token is not valid' };
  }
  if (typeof claims.iss !== 'string')
    return { status: 403, message: 'Invalid token: iss field not provided' };
  if (claims.iss.toLowerCase() !== key.serviceId)
    return { status: 403, message: 'Invalid token: service not found' };
  if (alg !== 'HS256') return { status: 403, message: 'Invalid token: algorithm used is not HS256' };
  try {
    await compactVerify(token, new TextEncoder().encode(key.secret), { algorithms: ['HS256'] });
  } catch {
    return { status: 403, message: 'Invalid token: API key not found' };
  }
  if (typeof claims.iat !== 'number')
    return { status: 403, message: 'Invalid token: iat field not provided' };
  if (Math.abs(nowMs / 1000 - claims.iat) > CLOCK_SKEW_S) {
    return { status: 403, message: 'Error: Your system clock must be accurate to within 30 seconds' };
  }
  return undefined;
}
