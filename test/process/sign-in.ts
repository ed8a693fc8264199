/**
 * Process-level suites act as an administrator signed in the real way: `pathways user add` before
 * the server starts (PGlite's folder has one owner at a time), then the contract's three calls.
 */
import { createHash, randomBytes } from 'node:crypto';
import { TOTP } from 'otpauth';

export interface Credentials {
  username: string;
  password: string;
  totpSecret: string;
}

/** `Authorization` header per server base URL, applied by http.ts to every request it sends. */
export const authorizationFor = new Map<string, string>();

export async function signIn(baseUrl: string, credentials: Credentials): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
  const json = { 'content-type': 'application/json' };
  const login = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ ...credentials, codeChallenge, codeChallengeMethod: 'S256' }),
  });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
  const { login: handle } = (await login.json()) as { login: string };
  const otp = new TOTP({
    secret: credentials.totpSecret,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  }).generate();
  const mfa = await fetch(`${baseUrl}/auth/mfa`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ login: handle, otp }),
  });
  if (mfa.status !== 200) throw new Error(`mfa: ${mfa.status} ${await mfa.text()}`);
  const { code } = (await mfa.json()) as { code: string };
  const token = await fetch(`${baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier }).toString(),
  });
  if (token.status !== 200) throw new Error(`token: ${token.status} ${await token.text()}`);
  const { access_token: accessToken } = (await token.json()) as { access_token: string };
  return `Bearer ${accessToken}`;
}
