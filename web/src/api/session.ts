/**
 * Who is signed in, and their tokens. The access token lives in this module's memory only; the
 * refresh token is kept in sessionStorage (this tab, gone when it closes) so a reload does not
 * sign the person out. Never localStorage: nothing outlives the tab.
 *
 * Refresh tokens rotate and a reused one revokes the whole family, so every refresh goes through
 * one shared promise: two calls that both find the access token stale must not both refresh.
 */
import { type Claims, decodeClaims } from '../domain/claims';
import { ApiError, type CallOptions, call } from './http';
import { newVerifier, challengeOf as pkceChallengeOf } from './pkce';

const REFRESH_KEY = 'pathways.refresh';
/** Refresh this long before the access token expires, so a call never races its expiry. */
const EARLY_REFRESH_MS = 60_000;

interface Tokens {
  access: string;
  refresh: string | undefined;
  claims: Claims;
  /** Local clock, from expires_in: the browser's clock may differ from the server's. */
  expiresAtMs: number;
}

interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
}

export interface Session {
  claims: Claims;
  /** Known when signed in in this tab (not after a reload): step-up asks for it otherwise. */
  username: string | undefined;
}

let tokens: Tokens | undefined;
let username: string | undefined;
let refreshing: Promise<boolean> | undefined;
let session: Session | undefined;
const listeners = new Set<() => void>();

function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

function publish(): void {
  session = tokens ? { claims: tokens.claims, username } : undefined;
  for (const listener of listeners) listener();
}

function keep(response: TokenResponse): void {
  tokens = {
    access: response.access_token,
    refresh: response.refresh_token,
    claims: decodeClaims(response.access_token),
    expiresAtMs: Date.now() + response.expires_in * 1000,
  };
  if (response.refresh_token) storage()?.setItem(REFRESH_KEY, response.refresh_token);
  else storage()?.removeItem(REFRESH_KEY);
  publish();
}

export function currentSession(): Session | undefined {
  return session;
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function signOut(): void {
  tokens = undefined;
  username = undefined;
  storage()?.removeItem(REFRESH_KEY);
  publish();
}

export interface PendingSignIn {
  username: string;
  login: string;
  /** 'totp' and/or 'sms'. */
  methods: string[];
  /** Empty when another client holds the verifier (the /oauth2/authorize page). */
  verifier: string;
}

/** What an OAuth client sent to /oauth2/authorize: its challenge, and the scope it asks for. */
export interface AuthorizeFor {
  codeChallenge: string;
  scope?: string | undefined;
}

/**
 * Password step: POST /auth/login, with a fresh PKCE challenge for the portal itself, or with the
 * challenge (and scope) of the client that sent the browser to /oauth2/authorize.
 */
export async function startSignIn(
  name: string,
  password: string,
  authorize?: AuthorizeFor,
): Promise<PendingSignIn> {
  const verifier = authorize ? '' : newVerifier();
  const answer = await call<{ login: string; mfaMethods?: string[] }>('/auth/login', {
    json: {
      username: name,
      password,
      codeChallenge: authorize ? authorize.codeChallenge : await pkceChallengeOf(verifier),
      codeChallengeMethod: 'S256',
      ...(authorize?.scope !== undefined ? { scope: authorize.scope } : {}),
    },
  });
  const methods =
    Array.isArray(answer.mfaMethods) && answer.mfaMethods.length > 0 ? answer.mfaMethods : ['totp'];
  return { username: name, login: answer.login, methods, verifier };
}

/** Code step: POST /auth/mfa, answering with the authorization code. */
export async function confirmCode(pending: PendingSignIn, otp: string): Promise<string> {
  const { code } = await call<{ code: string }>('/auth/mfa', { json: { login: pending.login, otp } });
  return code;
}

/** POST /auth/mfa/sms: text a sign-in code to the account's verified mobile. */
export async function sendSmsCode(pending: PendingSignIn): Promise<void> {
  await call('/auth/mfa/sms', { json: { login: pending.login } });
}

/** Code step and token exchange. Also how step-up works: the new tokens carry a fresh auth_time. */
export async function finishSignIn(pending: PendingSignIn, otp: string): Promise<Session> {
  const code = await confirmCode(pending, otp);
  const response = await call<TokenResponse>('/oauth2/token', {
    form: { grant_type: 'authorization_code', code, code_verifier: pending.verifier },
  });
  username = pending.username;
  keep(response);
  return session!;
}

async function refreshOnce(): Promise<boolean> {
  const refresh = tokens?.refresh ?? storage()?.getItem(REFRESH_KEY) ?? undefined;
  if (!refresh) return false;
  try {
    keep(
      await call<TokenResponse>('/oauth2/token', {
        form: { grant_type: 'refresh_token', refresh_token: refresh },
      }),
    );
    return true;
  } catch (error) {
    // Refused (expired, revoked, reused): the sign-in is over. A network failure keeps the token
    // for the next try.
    if (error instanceof ApiError && error.problem.status >= 400 && error.problem.status < 500) signOut();
    return false;
  }
}

function refreshTokens(): Promise<boolean> {
  refreshing ??= refreshOnce().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

/** After a reload: sign back in with the tab's refresh token, if there is one. */
export async function restoreSession(): Promise<Session | undefined> {
  if (tokens) return session;
  if (!storage()?.getItem(REFRESH_KEY)) return undefined;
  await refreshTokens();
  return session;
}

export function hasStoredSession(): boolean {
  return tokens !== undefined || Boolean(storage()?.getItem(REFRESH_KEY));
}

function signedOutError(): ApiError {
  return new ApiError({
    status: 401,
    code: 'signed-out',
    message: 'You have been signed out. Sign in again to continue.',
    expression: [],
    retryAfterS: undefined,
  });
}

/** A call with the access token, refreshed first when it is about to expire or was refused. */
export async function authorized<T>(
  path: string,
  options: Omit<CallOptions, 'authorization'> = {},
): Promise<T> {
  if (tokens && tokens.expiresAtMs - Date.now() < EARLY_REFRESH_MS) await refreshTokens();
  if (!tokens) throw signedOutError();
  try {
    return await call<T>(path, { ...options, authorization: `Bearer ${tokens.access}` });
  } catch (error) {
    if (!(error instanceof ApiError) || !error.invalidToken) throw error;
    if (!(await refreshTokens()) || !tokens) throw signedOutError();
    return call<T>(path, { ...options, authorization: `Bearer ${tokens.access}` });
  }
}

/** POST /auth/unlock: a code to the locked account's confirmed mobile or email (202 either way). */
export async function requestUnlockCode(name: string): Promise<void> {
  await call('/auth/unlock', { json: { username: name } });
}

/** POST /auth/unlock/confirm: the code lifts the lock; the person then signs in again. */
export async function confirmUnlock(name: string, code: string): Promise<void> {
  await call('/auth/unlock/confirm', { json: { username: name, code } });
}
