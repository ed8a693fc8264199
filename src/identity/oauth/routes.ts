/**
 * HTTP routes of the authorisation server: the token endpoint, OIDC discovery and the JWKS.
 * Register with `app.register(oauthRoutes, {...})`: the plugin is encapsulated, so the form-body
 * parser and the OAuth error format apply to these routes only.
 */
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../platform/database/database.js';
import { DATABASE_RETRY_AFTER_S, DatabaseUnavailableError } from '../../platform/database/unavailable.js';
import * as D from '../../platform/http/route-docs.js';
import { type Issuer, issuerOf, SCOPES_SUPPORTED } from './claims.js';
import { CLIENT_ASSERTION_ALGS } from './clients.js';
import type { AccountDirectory } from './directory.js';
import { clientCredentialsGrant } from './grant-client.js';
import { authorizationCodeGrant } from './grant-code.js';
import { refreshTokenGrant } from './grant-refresh.js';
import type { AuditSink, Form, GrantDeps } from './grants.js';
import { type KeyStore, SIGNING_ALG } from './keys.js';
import { OAuthError } from './oauth-error.js';
import { smartConfiguration } from './smart-configuration.js';

export interface OAuthRoutesOptions {
  db: Database;
  config: { publicUrl: string };
  directory: AccountDirectory;
  audit: AuditSink;
  keys: KeyStore;
  /** Called once a transaction that revoked refresh families has committed. */
  afterRevocation?: () => Promise<void>;
}

/** Form fields a token request may repeat: none (RFC 6749 section 3.2: MUST NOT). */
function toForm(body: unknown): Form {
  if (typeof body !== 'object' || body === null) throw new OAuthError('invalid_request', 'send a form body');
  const form: Form = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `${name} must be given once`);
    form[name] = value;
  }
  return form;
}

export async function oauthRoutes(app: FastifyInstance, options: OAuthRoutesOptions): Promise<void> {
  const issuer = issuerOf(options.config.publicUrl);
  const deps: GrantDeps = {
    db: options.db,
    issuer,
    directory: options.directory,
    audit: options.audit,
    keys: options.keys,
    afterRevocation: options.afterRevocation,
  };

  app.get(
    '/.well-known/openid-configuration',
    {
      config: { access: 'public' },
      ...D.documented('oauth', 'OpenID Connect discovery', {
        responses: { 200: D.anyObject('OIDC provider metadata') },
      }),
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=3600');
      return discoveryDocument(issuer);
    },
  );

  // SMART App Launch 2: at the FHIR base (where apps look), and at the root for the same issuer.
  for (const url of ['/fhir/R4/.well-known/smart-configuration', '/.well-known/smart-configuration']) {
    const doc = D.documented('oauth', 'SMART App Launch 2 configuration', {
      responses: { 200: D.anyObject('SMART configuration: endpoints, scopes and capabilities') },
    });
    app.get(url, { config: { access: 'public' }, ...doc }, async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=3600');
      return smartConfiguration(issuer);
    });
  }

  app.get(
    '/oauth2/jwks',
    {
      config: { access: 'public' },
      ...D.documented('oauth', 'The public keys access tokens are signed with (JWKS)', {
        produces: 'application/jwk-set+json',
        responses: { 200: D.object({ keys: D.list(D.anyObject('JWK')) }) },
      }),
    },
    async (_request, reply) => {
      // Short cache: a verifier meeting a new kid re-fetches anyway, and retired keys linger for
      // the life of their tokens, so a minute is safe both ways.
      reply.header('cache-control', 'public, max-age=60').header('content-type', 'application/jwk-set+json');
      return options.keys.publicJwks();
    },
  );

  await app.register(async (scope) => {
    // Form bodies only (RFC 6749 section 3.2): the JSON parsers inherited from the shell go.
    scope.removeAllContentTypeParsers();
    await scope.register(formbody, { bodyLimit: 16 * 1024 });
    scope.addHook('onSend', async (_request, reply, payload) => {
      // Tokens must never be cached by the browser or a proxy (RFC 6749 section 5.1).
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return payload;
    });
    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof OAuthError) return sendOAuthError(reply, error);
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== undefined && status >= 400 && status < 500) {
        const message =
          status === 415
            ? 'send application/x-www-form-urlencoded'
            : status === 413
              ? 'the request body is too large'
              : 'the request is malformed';
        return sendOAuthError(reply, new OAuthError('invalid_request', message));
      }
      if (error instanceof DatabaseUnavailableError) {
        return reply
          .code(503)
          .header('retry-after', String(DATABASE_RETRY_AFTER_S))
          .send({ error: 'temporarily_unavailable', error_description: 'retry shortly' });
      }
      request.log.error({ err: error }, 'token endpoint failed');
      return reply.code(500).send({
        error: 'server_error',
        error_description: `quote request id ${request.id} to the service desk`,
      });
    });
    scope.post(
      '/oauth2/token',
      {
        config: { access: 'public' },
        ...D.documented(
          'oauth',
          'Token endpoint: authorization code (PKCE), refresh token, client credentials',
          {
            description:
              'application/x-www-form-urlencoded. System clients authenticate with private_key_jwt (RFC 7523 client_assertion). Errors are OAuth 2.0 error objects.',
            body: D.object(
              {
                grant_type: { enum: ['authorization_code', 'refresh_token', 'client_credentials'] },
                code: D.text(),
                code_verifier: D.text(),
                redirect_uri: D.text(),
                client_id: D.text(),
                refresh_token: D.text(),
                scope: D.text(),
                client_assertion_type: { const: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' },
                client_assertion: D.text(),
              },
              ['grant_type'],
            ),
            responses: {
              200: D.object({
                access_token: D.text(),
                token_type: { const: 'Bearer' },
                expires_in: D.whole(),
                refresh_token: D.text(),
                scope: D.text(),
                patient: D.text('SMART launch context (scope launch/patient)'),
              }),
              400: D.object({ error: D.text(), error_description: D.text() }, ['error'], 'OAuth 2.0 error'),
            },
          },
        ),
      },
      async (request: FastifyRequest, reply: FastifyReply) => {
        const form = toForm(request.body);
        const grant = grants.get(form.grant_type ?? '');
        if (!form.grant_type) throw new OAuthError('invalid_request', 'grant_type is required');
        if (!grant)
          throw new OAuthError('unsupported_grant_type', `grant_type ${form.grant_type} is not supported`);
        const response = await grant(deps, form, request.ip);
        return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(response);
      },
    );
  });
}

// A Map, not an object: a grant_type such as `__proto__` or `constructor` must find nothing.
const grants = new Map([
  ['authorization_code', authorizationCodeGrant],
  ['refresh_token', refreshTokenGrant],
  ['client_credentials', clientCredentialsGrant],
]);

function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  return reply
    .code(error.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(error.toJSON());
}

export function discoveryDocument(issuer: Issuer) {
  return {
    issuer: issuer.issuer,
    authorization_endpoint: `${issuer.issuer}/oauth2/authorize`,
    token_endpoint: issuer.tokenEndpoint,
    jwks_uri: `${issuer.issuer}/oauth2/jwks`,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    scopes_supported: SCOPES_SUPPORTED,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [SIGNING_ALG],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'jti',
      'auth_time',
      'amr',
      'roles',
      'fhirUser',
      'org',
      'scope',
      'client_id',
    ],
  };
}
