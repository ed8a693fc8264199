/**
 * `POST /fhir/R4/ViewDefinition/$run` (SQL on FHIR v2): a Parameters body with `viewResource` (or
 * `viewReference` to a shipped view), `_format` (json | ndjson | csv; also accepted in the
 * query) and optional `resource` parameters to run over instead of the database. Rows stream as
 * they are made. `admin` and `analyst` only; an analyst's view over the database reads
 * pseudonymised resources. A view over the database is audited.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AuditInput } from '../../platform/audit/audit-event.js';
import { type AccessPolicy, auditRequest, principalOf } from '../../platform/auth/index.js';
import type { Database } from '../../platform/database/database.js';
import { invalid, Problem } from '../../platform/errors/problem.js';
import type { Pseudonym } from '../pseudonymise/pseudonymise.js';
import { shippedView } from './shipped-views.js';
import { ViewRunError } from './view-definition.js';
import { CONTENT_TYPES, parseFormat } from './view-output.js';
import { runView } from './view-run.js';

interface Parameter {
  name?: unknown;
  resource?: unknown;
  valueReference?: { reference?: unknown };
  valueString?: unknown;
  valueCode?: unknown;
  valueCanonical?: unknown;
}

export interface ViewRouteDeps {
  db: Database;
  audit: { record(input: AuditInput): Promise<void> };
  pseudonym: Pseudonym;
}

const RUN_POLICY: AccessPolicy = { roles: ['admin', 'analyst'] };

export function registerViewRoutes(fhir: FastifyInstance, deps: ViewRouteDeps): void {
  fhir.post(
    '/ViewDefinition/$run',
    { config: { access: RUN_POLICY, ownFormats: true } },
    async (request, reply) => {
      const body = request.body as { resourceType?: unknown; parameter?: unknown } | undefined;
      if (!body || body.resourceType !== 'Parameters' || !Array.isArray(body.parameter)) {
        throw invalid('ViewDefinition/$run takes a Parameters resource', 'Parameters');
      }
      const parameters = body.parameter as Parameter[];
      const named = (name: string) => parameters.filter((parameter) => parameter?.name === name);
      const view = viewOf(named('viewResource'), named('viewReference'));
      const formatParameter = named('_format')[0];
      const queryFormat = (request.query as Record<string, unknown>)._format;
      const format = parseFormat(
        stringOf(formatParameter?.valueCode ?? formatParameter?.valueString) ??
          (typeof queryFormat === 'string' ? queryFormat : undefined),
      );
      const given = named('resource');
      const resources =
        given.length > 0 ? given.map((parameter, index) => resourceOf(parameter, index)) : undefined;
      const caller = principalOf(request);
      const pseudonymised = !caller.roles.includes('admin');
      const { view: compiled, chunks } = runView(deps.db, {
        view,
        format,
        ...(resources ? { resources } : {}),
        ...(pseudonymised && !resources ? { pseudonym: deps.pseudonym } : {}),
      });
      // The first chunk is made before answering, so a view that fails on the first resources
      // is a 400 rather than a cut stream.
      let first: IteratorResult<string>;
      try {
        first = await chunks.next();
      } catch (error) {
        if (error instanceof ViewRunError) throw invalid(error.message, 'viewResource');
        throw error;
      }
      if (!resources) {
        await deps.audit.record({
          subtype: 'operation',
          outcome: '0',
          ...auditRequest(request),
          entity: { reference: compiled.resource },
          detail: `ViewDefinition/$run over ${compiled.resource}${pseudonymised ? ' (pseudonymised)' : ''}`,
        });
      }
      async function* all(): AsyncGenerator<string> {
        if (!first.done) yield first.value;
        yield* chunks;
      }
      reply.code(200).header('content-type', CONTENT_TYPES[format]);
      return reply.send(Readable.from(all()));
    },
  );
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function viewOf(inline: Parameter[], references: Parameter[]): unknown {
  if (inline.length + references.length !== 1) {
    throw invalid('Give exactly one of viewResource or viewReference', 'viewResource');
  }
  if (inline[0]) return inline[0].resource;
  const reference = references[0]!;
  const target =
    stringOf(reference.valueReference?.reference) ??
    stringOf(reference.valueString) ??
    stringOf(reference.valueCanonical);
  const view = target ? shippedView(target) : undefined;
  if (!view)
    throw new Problem('NOT_FOUND', `No ViewDefinition ${String(target)}`, { expression: 'viewReference' });
  return view;
}

function resourceOf(parameter: Parameter, index: number): object {
  const resource = parameter.resource;
  if (
    typeof resource !== 'object' ||
    resource === null ||
    typeof (resource as { resourceType?: unknown }).resourceType !== 'string'
  ) {
    throw invalid(`resource parameter ${index + 1} must hold a resource`, 'resource');
  }
  return resource;
}
