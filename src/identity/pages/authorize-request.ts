/**
 * Validation of the `/oauth2/authorize` query before any sign-in form is shown. A bad request gets
 * an error page and never a redirect, so this endpoint can't be used as an open redirect.
 *
 * The redirect_uri rule (there is no client registry with registered redirect URIs yet):
 *   - an absolute http(s) URL without user info or a fragment (RFC 6749 §3.1.2), and either
 *   - same origin (scheme, host, port) as PUBLIC_URL: the portal served by this service; or
 *   - `http://127.0.0.1:<any port>/…` or `http://[::1]:<any port>/…`: a native app's or a script's
 *     loopback listener (RFC 8252 §7.3). Not `localhost`, which DNS or /etc/hosts could point elsewhere
 *     (RFC 8252 §8.3).
 * Authorization codes are bound to the PKCE challenge, so a code that leaks to one of these is useless
 * without the verifier.
 */

export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state: string | undefined;
  /** SMART App Launch: the scope the app asks for (the token endpoint grants what fits the account). */
  scope?: string | undefined;
}

export type AuthorizeParse = { ok: true; request: AuthorizeRequest } | { ok: false; problems: string[] };

// RFC 7636 §4.2: 43–128 characters of the unreserved set (an S256 challenge is exactly 43).
const CODE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;
// RFC 6749 §A.1: visible ASCII; the length bound is ours.
const CLIENT_ID = /^[\x20-\x7e]{1,200}$/;
const MAX_STATE = 1024;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);
// RFC 6749 §3.3: space-separated tokens of visible ASCII except `"` and `\`.
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/;
const MAX_SCOPE = 2048;

/**
 * `fhirBaseUrl`: SMART's `aud` parameter, when given, must name this FHIR server (so a token meant
 * for another server is never asked for here).
 */
export function parseAuthorizeQuery(
  query: unknown,
  publicOrigin: string,
  fhirBaseUrl?: string,
): AuthorizeParse {
  const params = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const problems: string[] = [];
  const single = (name: string): string | undefined => {
    const value = params[name];
    if (Array.isArray(value)) {
      problems.push(`The ${name} parameter appears more than once.`);
      return undefined;
    }
    return typeof value === 'string' && value !== '' ? value : undefined;
  };

  const responseType = single('response_type');
  const clientId = single('client_id');
  const redirectUri = single('redirect_uri');
  const codeChallenge = single('code_challenge');
  const method = single('code_challenge_method');
  const state = single('state');
  const scope = single('scope');
  const aud = single('aud');

  if (responseType !== 'code') problems.push('The response_type parameter must be "code".');
  if (!clientId || !CLIENT_ID.test(clientId)) problems.push('The client_id parameter is missing or invalid.');
  if (!codeChallenge || !CODE_CHALLENGE.test(codeChallenge))
    problems.push('The code_challenge parameter is missing or is not a valid PKCE challenge.');
  if (method !== 'S256') problems.push('The code_challenge_method parameter must be "S256".');
  if (state !== undefined && state.length > MAX_STATE)
    problems.push(`The state parameter is longer than ${MAX_STATE} characters.`);
  if (scope !== undefined && (scope.length > MAX_SCOPE || !SCOPE.test(scope)))
    problems.push('The scope parameter is not a list of scopes separated by spaces.');
  if (aud !== undefined && fhirBaseUrl !== undefined && aud.replace(/\/$/, '') !== fhirBaseUrl)
    problems.push(`The aud parameter must be this service's FHIR base URL, ${fhirBaseUrl}.`);
  if (!redirectUri || !allowedRedirect(redirectUri, publicOrigin))
    problems.push(
      'The redirect_uri parameter is missing or is not an address this service may return you to.',
    );

  if (problems.length > 0 || !clientId || !redirectUri || !codeChallenge) return { ok: false, problems };
  return { ok: true, request: { clientId, redirectUri, codeChallenge, state, ...(scope ? { scope } : {}) } };
}

export function allowedRedirect(candidate: string, publicOrigin: string): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username || url.password || candidate.includes('#')) return false;
  if (url.origin === publicOrigin) return true;
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}
