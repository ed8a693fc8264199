/** System-level interactions: the CapabilityStatement and transaction Bundles. */
import type { FastifyInstance } from 'fastify';
import { sendFhir } from '../../http/fhir-json.js';
import type { CapabilityRegistry } from '../capability.js';
import { processTransaction } from '../store/transaction-bundle.js';
import { auditIfPatientData, type FhirDeps } from './deps.js';

export function registerSystem(
  app: FastifyInstance,
  deps: FhirDeps & { capabilities: CapabilityRegistry; version: string },
): void {
  app.get('/metadata', async (_request, reply) =>
    sendFhir(reply, 200, deps.capabilities.build({ baseUrl: deps.baseUrl, version: deps.version })),
  );

  app.post('/', async (request, reply) => {
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
