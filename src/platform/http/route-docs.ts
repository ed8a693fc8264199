/**
 * Small builders for the route schemas the OpenAPI document is made of (openapi.ts): each route
 * states its tag, summary and shapes where it is declared.
 */
import type { FastifySchema } from 'fastify';

type Json = Record<string, unknown>;

export const text = (description?: string): Json => ({
  type: 'string',
  ...(description ? { description } : {}),
});
export const flag = (description?: string): Json => ({
  type: 'boolean',
  ...(description ? { description } : {}),
});
export const whole = (description?: string): Json => ({
  type: 'integer',
  ...(description ? { description } : {}),
});
export const list = (items: Json, description?: string): Json => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
});

export function object(
  properties: Record<string, Json>,
  required: string[] = [],
  description?: string,
): Json {
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(description ? { description } : {}),
  };
}

/** Any JSON object (documented by its description only). */
export const anyObject = (description: string): Json => ({
  type: 'object',
  additionalProperties: true,
  description,
});

export const operationOutcome: Json = anyObject(
  'FHIR OperationOutcome: issue[].severity, code, diagnostics, expression, details.coding[].code (docs/api.md §2)',
);

export interface RouteDoc {
  description?: string;
  body?: Json;
  querystring?: Json;
  params?: Json;
  /** Status → schema; errors default to an OperationOutcome. */
  responses?: Record<number, Json>;
  /** Needs `Authorization: Bearer`. */
  bearer?: boolean;
  /** Content type of the 200 answer when it is not JSON. */
  produces?: string;
}

/** Schemas describe; they never judge input or reshape answers (the handlers do, as OperationOutcomes). */
const acceptAnything = () => () => true;
const asJson = () => (data: unknown) => JSON.stringify(data);

/**
 * `{ schema }` route options for the OpenAPI document, with a validator and serializer that leave
 * requests and answers alone, on whatever app the route is registered (the service's root also
 * switches them off; a test's bare fastify does not).
 */
export function documented(
  tag: string,
  summary: string,
  doc: RouteDoc = {},
): { schema: FastifySchema; validatorCompiler: typeof acceptAnything; serializerCompiler: typeof asJson } {
  const response: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(doc.responses ?? {})) {
    response[status] =
      doc.produces && status.startsWith('2')
        ? { description: String(schema.description ?? summary), content: { [doc.produces]: { schema } } }
        : schema;
  }
  return {
    schema: {
      tags: [tag],
      summary,
      ...(doc.description ? { description: doc.description } : {}),
      ...(doc.body ? { body: doc.body } : {}),
      ...(doc.querystring ? { querystring: doc.querystring } : {}),
      ...(doc.params ? { params: doc.params } : {}),
      ...(Object.keys(response).length > 0 ? { response } : {}),
      ...(doc.bearer ? { security: [{ bearer: [] }] } : {}),
    } as FastifySchema,
    validatorCompiler: acceptAnything,
    serializerCompiler: asJson,
  };
}
