/** JSON body parsing and FHIR JSON replies. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Problem } from '../errors/problem.js';
import { exceedsJsonDepth, loneSurrogatePath, MAX_JSON_DEPTH } from './json-limits.js';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * Accepts application/json and application/fhir+json with prototype-poisoning protection (fastify's
 * own parser), refuses bodies nested deeper than MAX_JSON_DEPTH or holding lone surrogates
 * (json-limits.ts), and turns every parse failure into one clear INVALID_VALUE.
 */
export function registerJsonParsers(app: FastifyInstance): void {
  // Only JSON is parsed; anything else (text/plain included) is 415 before a handler runs.
  app.removeAllContentTypeParsers();
  const parse = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(
    ['application/json', 'application/fhir+json'],
    { parseAs: 'string' },
    (request, body, done) => {
      if (body === '' || body === undefined) {
        done(
          new Problem('INVALID_VALUE', 'The request body is empty; a JSON document was expected'),
          undefined,
        );
        return;
      }
      if (exceedsJsonDepth(body as string)) {
        done(
          new Problem('INVALID_VALUE', `The request body nests deeper than ${MAX_JSON_DEPTH} levels`),
          undefined,
        );
        return;
      }
      parse(request, body as string, (error, value) => {
        if (error) {
          done(new Problem('INVALID_VALUE', 'The request body is not valid JSON'), undefined);
          return;
        }
        const surrogate = loneSurrogatePath(value, body as string);
        if (surrogate !== undefined) {
          done(
            new Problem(
              'INVALID_VALUE',
              `${surrogate}: a string holds a lone surrogate (\\uD800-\\uDFFF without its pair), which is not Unicode text`,
              { expression: surrogate },
            ),
            undefined,
          );
          return;
        }
        done(null, value);
      });
    },
  );
}

/** Sends a resource, or the exact stored JSON text of one, as FHIR JSON. */
export function sendFhir(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  reply.code(status).header('content-type', FHIR_JSON);
  return reply.send(typeof body === 'string' ? body : JSON.stringify(body));
}
