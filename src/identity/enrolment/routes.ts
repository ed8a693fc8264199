/**
 * Patient sign-up (no token needed): `POST /auth/register`, `/auth/register/verify`,
 * `/auth/register/mfa`, `/auth/register/complete`. Plain JSON; every refusal an OperationOutcome.
 * The registration handle in each answer is what the next call presents.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as D from '../../platform/http/route-docs.js';
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

  app.post(
    '/auth/register',
    {
      config: { access: 'public' },
      ...D.documented('enrolment', 'Start a patient sign-up (codes are emailed and texted)', {
        body: D.object(
          {
            nhsNumber: D.text(),
            chiNumber: D.text(),
            birthDate: D.text('YYYY-MM-DD'),
            family: D.text(),
            postcode: D.text(),
            email: D.text(),
            mobile: D.text(),
            password: D.text(),
          },
          ['birthDate', 'family', 'postcode', 'email', 'mobile', 'password'],
        ),
        responses: {
          202: D.object({ registration: D.text(), next: { const: 'verify-contact' } }),
          400: D.operationOutcome,
        },
      }),
    },
    async (request, reply) => {
      const started = await startRegistration(ctx, request.body, attemptOf(request));
      answer(reply, 202);
      return started;
    },
  );

  app.post(
    '/auth/register/verify',
    {
      config: { access: 'public' },
      ...D.documented('enrolment', 'Confirm the email and mobile codes', {
        body: D.object({ registration: D.text(), emailCode: D.text(), mobileCode: D.text() }, [
          'registration',
          'emailCode',
          'mobileCode',
        ]),
        responses: { 200: D.object({ registration: D.text(), next: { const: 'choose-mfa' } }) },
      }),
    },
    async (request, reply) => {
      const verified = await verifyContact(ctx, request.body, attemptOf(request));
      answer(reply, 200);
      return verified;
    },
  );

  app.post(
    '/auth/register/mfa',
    {
      config: { access: 'public' },
      ...D.documented('enrolment', 'Choose the second factor', {
        body: D.object({ registration: D.text(), method: { enum: ['totp', 'sms'] } }, [
          'registration',
          'method',
        ]),
        responses: {
          200: D.object({
            registration: D.text(),
            next: { const: 'confirm-mfa' },
            totpSecret: D.text(),
            otpauthUri: D.text(),
          }),
        },
      }),
    },
    async (request, reply) => {
      const chosen = await chooseMfa(ctx, request.body, attemptOf(request));
      answer(reply, 200);
      return chosen;
    },
  );

  app.post(
    '/auth/register/complete',
    {
      config: { access: 'public' },
      ...D.documented('enrolment', 'Confirm the second factor and create the account', {
        body: D.object({ registration: D.text(), otp: D.text() }, ['registration', 'otp']),
        responses: { 201: D.object({ username: D.text(), fhirUser: D.text('Patient/<id>') }) },
      }),
    },
    async (request, reply) => {
      const completed = await completeRegistration(ctx, request.body, attemptOf(request));
      answer(reply, 201);
      return completed;
    },
  );
}
