/**
 * The HTTP edge of the one error type: a Problem becomes its OperationOutcome; fastify's own
 * client errors (bad JSON, wrong media type, oversized body, …) are mapped to the contract's codes;
 * anything else is logged with its stack and answered with a generic 500 that reveals nothing.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { DATABASE_RETRY_AFTER_S, DatabaseUnavailableError } from '../database/unavailable.js';
import type { ErrorCode } from '../errors/codes.js';
import { operationOutcome, Problem } from '../errors/problem.js';
import { sendFhir } from './fhir-json.js';

const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'PAYLOAD_TOO_LARGE',
    message: 'The request body is larger than allowed',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Unsupported Content-Type: send application/fhir+json or application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'INVALID_VALUE',
    message: 'Content-Length does not match the body',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_VALUE', message: 'The request body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_VALUE', message: 'The request body is not valid JSON' },
};

export function toProblem(error: FastifyError | Problem | Error): Problem | undefined {
  if (error instanceof Problem) return error;
  if (error instanceof DatabaseUnavailableError) {
    return new Problem('SERVICE_UNAVAILABLE', 'The database is unavailable (failing over?); retry shortly', {
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_S) },
    });
  }
  const known = 'code' in error && typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined;
  if (known) return new Problem(known.code, known.message);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return new Problem('INVALID_VALUE', fastifyError.message);
  const status = fastifyError.statusCode;
  if (status === 429) return new Problem('RATE_LIMITED', 'Too many requests; slow down and retry later');
  if (status === 503) return new Problem('SERVICE_UNAVAILABLE', 'The service is overloaded; retry shortly');
  if (status !== undefined && status >= 400 && status < 500)
    return new Problem('INVALID_VALUE', 'The request is malformed');
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error as Error);
    if (!problem) {
      request.log.error({ err: error }, 'unhandled error');
      return sendFhir(
        reply,
        500,
        operationOutcome([
          {
            code: 'INTERNAL_ERROR',
            diagnostics: `Internal error; quote request id ${request.id} to the service desk`,
          },
        ]),
      );
    }
    if (problem.status >= 500) request.log.warn({ code: problem.code }, problem.message);
    for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value);
    return sendFhir(reply, problem.status, problem.toOperationOutcome());
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    return sendFhir(
      reply,
      404,
      operationOutcome([{ code: 'NOT_FOUND', diagnostics: `No route for ${request.method} ${path}` }]),
    );
  });
}
