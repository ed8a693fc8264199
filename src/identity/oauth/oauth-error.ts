/**
 * Token-endpoint errors. OAuth clients expect RFC 6749 section 5.2 JSON (`{error,
 * error_description}`), not a FHIR OperationOutcome: the token endpoint is not a FHIR API, and
 * every OAuth library parses this shape — so this is the one place that does not use Problem.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

export class OAuthError extends Error {
  override name = 'OAuthError';
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }

  /** invalid_client is 401 (client authentication failed); the rest are 400. */
  get status(): number {
    return this.error === 'invalid_client' ? 401 : 400;
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
