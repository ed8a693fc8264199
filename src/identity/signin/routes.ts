/**
 * `POST /auth/login` and `POST /auth/mfa` (docs/api.md §3), `POST /auth/mfa/sms` (text me a
 * code, for `sms` accounts) over the sign-in service, and `POST /auth/unlock` and
 * `POST /auth/unlock/confirm` (unlock my account with a code sent to me, self-unlock.ts).
 * Responses are plain JSON; every refusal is an OperationOutcome through the error handler.
 */
import type { FastifyInstance } from 'fastify';
import { invalid, missing } from '../../platform/errors/problem.js';
import * as D from '../../platform/http/route-docs.js';
import { isCodeChallenge } from './pkce.js';
import { createSelfUnlock, type SelfUnlock } from './self-unlock.js';
import { createSigninService, type SigninDeps, type SigninService } from './signin-service.js';

export interface SigninRouteOptions extends SigninDeps {
  /** Share one service (and so one set of rate-limit windows) with the sign-in page. */
  service?: SigninService;
  unlock?: SelfUnlock;
}

type Body = Record<string, unknown>;

function text(body: Body, name: string, max = 1024): string {
  const value = body[name];
  if (value === undefined || value === null || value === '') throw missing(`${name} is required`, name);
  if (typeof value !== 'string' || value.length > max) throw invalid(`${name} must be a string`, name);
  return value;
}

function optionalText(body: Body, name: string): string | undefined {
  return body[name] === undefined ? undefined : text(body, name, 2048);
}

function bodyOf(raw: unknown): Body {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('the request body must be a JSON object');
  }
  return raw as Body;
}

export async function signinRoutes(app: FastifyInstance, options: SigninRouteOptions): Promise<void> {
  const service = options.service ?? createSigninService(options);
  const unlock = options.unlock ?? createSelfUnlock(options);
  app.addHook('onClose', () => unlock.idle());

  app.post(
    '/auth/login',
    {
      config: { access: 'public' },
      ...D.documented('sign-in', 'Password step of a sign-in (PKCE S256)', {
        description: 'docs/api.md §3. 401 wrong credentials, 423 locked (Retry-After), 429 rate limited.',
        body: D.object(
          {
            username: D.text(),
            password: D.text(),
            codeChallenge: D.text('base64url SHA-256 of the code_verifier (43 characters)'),
            codeChallengeMethod: { const: 'S256' },
            clientId: D.text('binds the code to this client_id'),
            redirectUri: D.text('binds the code to this redirect_uri'),
            scope: D.text('SMART: the scope the app asked for at /oauth2/authorize'),
          },
          ['username', 'password', 'codeChallenge', 'codeChallengeMethod'],
        ),
        responses: {
          200: D.object({
            login: D.text(),
            mfaRequired: D.flag(),
            mfaMethods: D.list({ enum: ['totp', 'sms'] }),
          }),
          401: D.operationOutcome,
          423: D.operationOutcome,
        },
      }),
    },
    async (request, reply) => {
      const body = bodyOf(request.body);
      const username = text(body, 'username', 128);
      const password = text(body, 'password', 256);
      const codeChallenge = text(body, 'codeChallenge', 128);
      if (!isCodeChallenge(codeChallenge)) {
        throw invalid('codeChallenge must be a base64url SHA-256 (43 characters)', 'codeChallenge');
      }
      if (text(body, 'codeChallengeMethod', 16) !== 'S256') {
        throw invalid('codeChallengeMethod must be S256', 'codeChallengeMethod');
      }
      const { login, mfaMethods } = await service.login({
        username,
        password,
        codeChallenge,
        // Not in the contract's JSON call; the browser flow binds the code to its client this way.
        clientId: optionalText(body, 'clientId'),
        redirectUri: optionalText(body, 'redirectUri'),
        // SMART App Launch: the scope the app asked for at /oauth2/authorize.
        scope: optionalText(body, 'scope'),
        ip: request.ip,
        requestId: request.id,
      });
      reply.header('cache-control', 'no-store');
      return { login, mfaRequired: true, mfaMethods };
    },
  );

  app.post(
    '/auth/mfa/sms',
    {
      config: { access: 'public' },
      ...D.documented('sign-in', 'Text a one-time code for a sign-in (at most 3 per sign-in)', {
        body: D.object({ login: D.text() }, ['login']),
        responses: { 202: D.object({ sent: D.flag() }) },
      }),
    },
    async (request, reply) => {
      const body = bodyOf(request.body);
      const login = text(body, 'login', 128);
      const sent = await service.sendSmsCode({ login, ip: request.ip, requestId: request.id });
      reply.code(202).header('cache-control', 'no-store');
      return sent;
    },
  );

  app.post(
    '/auth/mfa',
    {
      config: { access: 'public' },
      ...D.documented('sign-in', 'One-time code step: answers the authorization code', {
        body: D.object({ login: D.text(), otp: D.text('6 digits') }, ['login', 'otp']),
        responses: {
          200: D.object({ code: D.text('for /oauth2/token, single use, 60 s') }),
          401: D.operationOutcome,
        },
      }),
    },
    async (request, reply) => {
      const body = bodyOf(request.body);
      const login = text(body, 'login', 128);
      const otp = text(body, 'otp', 16);
      const { code } = await service.mfa({ login, otp, ip: request.ip, requestId: request.id });
      reply.header('cache-control', 'no-store');
      return { code };
    },
  );

  app.post(
    '/auth/unlock',
    {
      config: { access: 'public' },
      ...D.documented('sign-in', 'Ask for an unlock code through a verified channel', {
        body: D.object({ username: D.text() }, ['username']),
        responses: { 202: D.object({ sent: D.flag('always true') }) },
      }),
    },
    async (request, reply) => {
      const body = bodyOf(request.body);
      const username = text(body, 'username', 128);
      const sent = await unlock.request({ username, ip: request.ip, requestId: request.id });
      reply.code(202).header('cache-control', 'no-store');
      return sent;
    },
  );

  app.post(
    '/auth/unlock/confirm',
    {
      config: { access: 'public' },
      ...D.documented('sign-in', 'Unlock an account with the code sent', {
        body: D.object({ username: D.text(), code: D.text() }, ['username', 'code']),
        responses: { 200: D.object({ unlocked: D.flag() }), 401: D.operationOutcome },
      }),
    },
    async (request, reply) => {
      const body = bodyOf(request.body);
      const username = text(body, 'username', 128);
      const code = text(body, 'code', 16);
      const unlocked = await unlock.confirm({ username, code, ip: request.ip, requestId: request.id });
      reply.header('cache-control', 'no-store');
      return unlocked;
    },
  );
}
