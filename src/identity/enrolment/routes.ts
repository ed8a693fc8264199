/**
 * Patient sign-up (no token needed): `POST /auth/register`, `/auth/register/verify`,
 * `/auth/register/mfa`, `/auth/register/complete`. Plain JSON; every refusal an OperationOutcome.
 * The registration handle in each answer is what the next call presents.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { chooseMfa } from './choose-mfa.js';
import { completeRegistration } from './complete.js';
import { type EnrolmentDeps, enrolmentContext } from './context.js';
import { startRegistration } from './start.js';
import { verifyContact } from './verify.js';

const attemptOf = (request: FastifyRequest) => ({ ip: request.ip, requestId: request.id });

export async function enrolmentRoutes(app: FastifyInstance, options: EnrolmentDeps): Promise<void> {
  const ctx = enrolmentContext(options);
  const answer = (reply: FastifyReply, status: number) =>
    reply.code(status).header('cache-control', 'no-store');

  app.post('/auth/register', async (request, reply) => {
    const started = await startRegistration(ctx, request.body, attemptOf(request));
    answer(reply, 202);
    return started;
  });

  app.post('/auth/register/verify', async (request, reply) => {
    const verified = await verifyContact(ctx, request.body, attemptOf(request));
    answer(reply, 200);
    return verified;
  });

  app.post('/auth/register/mfa', async (request, reply) => {
    const chosen = await chooseMfa(ctx, request.body, attemptOf(request));
    answer(reply, 200);
    return chosen;
  });

  app.post('/auth/register/complete', async (request, reply) => {
    const completed = await completeRegistration(ctx, request.body, attemptOf(request));
    answer(reply, 201);
    return completed;
  });
}
