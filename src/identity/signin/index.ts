/** Signing in: password, then TOTP, then an authorization code for the token endpoint. */
export {
  AuthorizationCodeError,
  CODE_TTL_MS,
  type CodeFailure,
  type RedeemedCode,
  type RedeemInput,
  redeemAuthorizationCode,
} from './authorization-code.js';
export { currentLock, LOCKOUT_POLICY, lockAfterFailure } from './lockout.js';
export { LOGIN_TTL_MS } from './login-session.js';
export { isCodeChallenge, s256, verifierMatches } from './pkce.js';
export { type SigninRouteOptions, signinRoutes } from './routes.js';
export {
  createSigninService,
  DEFAULT_SIGNIN_LIMITS,
  type SigninDeps,
  type SigninLimits,
  type SigninService,
} from './signin-service.js';
