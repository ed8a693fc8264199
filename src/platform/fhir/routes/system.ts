/** System-level interactions: the CapabilityStatement and transaction Bundles. */
import type { Bundle } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { needsPatientBinding } from '../../auth/fastify.js';
import { policyInHandler } from '../../auth/policy.js';
import { forbidden } from '../../errors/problem.js';
import { sendFhir } from '../../http/fhir-json.js';
import type { CapabilityRegistry } from '../capability.js';
import { processTransaction } from '../store/transaction-bundle.js';
import { policyOf, type WriteInteraction } from '../write-rules.js';
import { auditIfPatientData, authorizeRead, type FhirDeps } from './deps.js';

export function registerSystem(
  app: FastifyInstance,
  deps: FhirDeps & { capabilities: CapabilityRegistry; version: string },
): void {
  // Public: clients read it to discover how to authenticate (FHIR R4 http.html#capabilities).
  app.get('/metadata', { config: { access: 'public' } }, async (_request, reply) =>
    sendFhir(reply, 200, deps.capabilities.build({ baseUrl: deps.baseUrl, version: deps.version })),
  );

  const eachEntry = policyInHandler('each entry as if it were sent alone (read and write policies)');
  app.post('/', { config: { access: eachEntry } }, async (request, reply) => {
    await authorizeTransaction(deps, request);
    const outcome = await processTransaction(deps.db, request.body, deps.baseUrl);
    for (const write of outcome.writes) {
      await auditIfPatientData(deps, request, {
        action: write.action,
        subtype: 'transaction',
        resourceType: write.resourceType,
        reference: `${write.resourceType}/${write.id}`,
        ...(write.resource ? { resource: write.resource } : {}),
      });
    }
    for (const read of outcome.reads) {
      await auditIfPatientData(deps, request, {
        action: 'R',
        subtype: 'transaction',
        resourceType: read.resourceType,
        reference: `${read.resourceType}/${read.id}`,
        resource: read.resource,
      });
    }
    return sendFhir(reply, 200, outcome.bundle);
  });
}

const INTERACTION: Record<string, WriteInteraction> = { POST: 'create', PUT: 'update', DELETE: 'delete' };

/**
 * Every entry is authorised as if it were sent alone, before anything runs. Patients do not use
 * transactions: their writes go one at a time through the compartment checks, and their reads
 * through the routes that apply patient binding and patient visibility (patient-visibility.ts) —
 * so a transaction's GET entries are never answered to a patient-bound caller.
 */
async function authorizeTransaction(deps: FhirDeps, request: FastifyRequest) {
  if (needsPatientBinding(request)) throw forbidden('Patients cannot submit transaction Bundles');
  const entries = (request.body as Bundle | undefined)?.entry;
  if (!Array.isArray(entries)) return; // processTransaction reports the malformed Bundle
  for (const entry of entries as unknown[]) {
    const { method, url } =
      (entry as { request?: { method?: unknown; url?: unknown } } | null)?.request ?? {};
    // An entry of the wrong shape is refused by processTransaction before anything runs.
    if (typeof method !== 'string' || typeof url !== 'string') continue;
    const type = url.replace(/^\//, '').split(/[/?]/)[0] ?? '';
    if (method === 'GET') {
      await authorizeRead(deps, request, type);
      // A staff caller who reads only related records reads them through the read and search
      // routes, which apply the relationship (and break the glass); a transaction does not.
      if (deps.staffReads.scope(request, type)?.kind !== 'all') {
        throw forbidden(`Read ${type} with GET /fhir/R4/${type}, not in a transaction`);
      }
      continue;
    }
    const rules = deps.rules.writeRules(type);
    // Who may write the type first: a caller who may not write it at all is told that, not sent
    // to single-resource routes that would refuse them too.
    await deps.access.enforce(request, policyOf(rules, INTERACTION[method] ?? 'update'));
    // A type whose declared rules run in its own write's transaction (the register's uniqueness
    // and rights checks, booking's slots and events) is written one resource at a time.
    if (rules && !rules.inTransactionBundle) {
      throw forbidden(
        `${type} is written one at a time (POST, PUT, DELETE /fhir/R4/${type}), not in a transaction`,
      );
    }
  }
}
