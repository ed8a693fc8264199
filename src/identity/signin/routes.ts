/**
 * `POST /auth/login` and `POST /auth/mfa` (docs/api.md §3), `POST /auth/mfa/sms` (text me a
 * code, for `sms` accounts) over the sign-in service, and `POST /auth/unlock` and
 * `POST /auth/unlock/confirm` (unlock my account with a code sent to me, self-unlock.ts).
 * Responses are plain JSON; every refusal is an OperationOutcome through the error handler.
 */
import type { FastifyInstance } from 'fastify';
import { invalid, missing } from '../../platform/errors/problem.js';
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

  app.post('/auth/login', async (request, reply) => {
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
      ip: request.ip,
      requestId: request.id,
    });
    reply.header('cache-control', 'no-store');
    return { login, mfaRequired: true, mfaMethods };
  });

  app.post('/auth/mfa/sms', async (request, reply) => {
    const body = bodyOf(request.body);
    const login = text(body, 'login', 128);
    const sent = await service.sendSmsCode({ login, ip: request.ip, requestId: request.id });
    reply.code(202).header('cache-control', 'no-store');
    return sent;
  });

  app.post('/auth/mfa', async (request, reply) => {
    const body = bodyOf(request.body);
    const login = text(body, 'login', 128);
    const otp = text(body, 'otp', 16);
    const { code } = await service.mfa({ login, otp, ip: request.ip, requestId: request.id });
    reply.header('cache-control', 'no-store');
    return { code };
  });

  app.post('/auth/unlock', async (request, reply) => {
    const body = bodyOf(request.body);
    const username = text(body, 'username', 128);
    const sent = await unlock.request({ username, ip: request.ip, requestId: request.id });
    reply.code(202).header('cache-control', 'no-store');
    return sent;
  });

  app.post('/auth/unlock/confirm', async (request, reply) => {
    const body = bodyOf(request.body);
    const username = text(body, 'username', 128);
    const code = text(body, 'code', 16);
    const unlocked = await unlock.confirm({ username, code, ip: request.ip, requestId: request.id });
    reply.header('cache-control', 'no-store');
    return unlocked;
  });
}
