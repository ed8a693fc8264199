/**
 * `GET /fhir/R4/AuditEvent` (docs/api.md §9) [admin, service-desk]: register the plugin in a
 * protected scope, which enforces the policy the route declares.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AccessPolicy } from '../auth/policy.js';
import type { Database } from '../database/database.js';
import { Problem } from '../errors/problem.js';
import { FHIR_ID } from '../fhir/ids.js';
import { sendFhir } from '../http/fhir-json.js';
import { AUDIT_SEARCH_MAX_COUNT, type AuditSearch, searchAuditEvents } from './search.js';

/** Who may search the audit trail. */
export const AUDIT_READERS: AccessPolicy = { roles: ['admin', 'service-desk'] };

const SUPPORTED = new Set(['patient', '_count', '_before']);
const PATIENT_ID = FHIR_ID;

export interface AuditRouteDeps {
  db: Database;
  /** e.g. https://pathways.example/fhir/R4; defaults to the request's own origin. */
  baseUrl?: string;
}

export function auditRoutes(deps: AuditRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/fhir/R4/AuditEvent', { config: { access: AUDIT_READERS } }, async (request, reply) => {
      const search = parseAuditSearch(rawQuery(request));
      const baseUrl = deps.baseUrl ?? `${request.protocol}://${request.host}/fhir/R4`;
      return sendFhir(reply, 200, await searchAuditEvents(deps.db, search, { baseUrl }));
    });
  };
}

function rawQuery(request: FastifyRequest): URLSearchParams {
  const index = request.url.indexOf('?');
  return new URLSearchParams(index === -1 ? '' : request.url.slice(index + 1));
}

/** Validates the query; anything unsupported or malformed is INVALID_VALUE naming the parameter. */
export function parseAuditSearch(query: URLSearchParams): AuditSearch {
  const search: AuditSearch = {};
  const seen = new Set<string>();
  for (const [name, value] of query) {
    if (!SUPPORTED.has(name)) {
      throw new Problem('INVALID_VALUE', `Unsupported search parameter for AuditEvent: ${name}`, {
        expression: name,
      });
    }
    if (seen.has(name)) throw new Problem('INVALID_VALUE', `${name} may be given once`, { expression: name });
    seen.add(name);
    if (name === 'patient') search.patient = patientReference(value);
    else if (name === '_count') search.count = wholeNumber(name, value, 1, AUDIT_SEARCH_MAX_COUNT);
    else search.before = wholeNumber(name, value, 1, Number.MAX_SAFE_INTEGER);
  }
  return search;
}

function patientReference(value: string): string {
  const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
  if (!PATIENT_ID.test(id)) {
    throw new Problem('INVALID_VALUE', 'patient must be Patient/<id> or <id>', { expression: 'patient' });
  }
  return `Patient/${id}`;
}

function wholeNumber(name: string, value: string, min: number, max: number): number {
  const number = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) {
    throw new Problem('INVALID_VALUE', `${name} must be a whole number between ${min} and ${max}`, {
      expression: name,
    });
  }
  return number;
}
