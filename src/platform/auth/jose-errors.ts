/**
 * jose's errors → the answer a client gets. Descriptions are generic on purpose: they say which
 * check failed, never which key or value would have passed.
 */
import { errors } from 'jose';
import { Problem } from '../errors/problem.js';
import { invalidToken } from './challenge.js';

export function toTokenProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof errors.JWTExpired) return invalidToken('The access token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return invalidToken('The access token is not for this service');
    if (error.claim === 'iss') return invalidToken("The access token's issuer is not trusted");
    if (error.claim === 'typ') return invalidToken('The token is not an access token (typ must be at+jwt)');
    if (error.claim === 'nbf') return invalidToken('The access token is not valid yet');
    return invalidToken(`The access token's ${error.claim} claim is missing or not valid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return invalidToken("The access token's signing algorithm is not accepted");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return invalidToken("The access token's signature does not verify");
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return invalidToken('The access token was signed with an unknown key');
  }
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error instanceof TypeError
  ) {
    // The issuer's keys could not be fetched: the token may be fine, so this is not a 401.
    return new Problem('SERVICE_UNAVAILABLE', "The token issuer's keys could not be fetched; retry shortly", {
      headers: { 'retry-after': '5' },
    });
  }
  if (error instanceof errors.JOSEError) return invalidToken('The access token is malformed or not valid');
  return new Problem('SERVICE_UNAVAILABLE', 'The access token could not be checked; retry shortly', {
    headers: { 'retry-after': '5' },
  });
}
