/** POST /fhir/R4/Task/$release [dispenser at the owner pharmacy]. */
import type { Bundle, Parameters } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import type { AuditInput } from '../../platform/audit/audit-event.js';
import { type AccessControl, agentOfRequest } from '../../platform/auth/fastify.js';
import { operationOutcome } from '../../platform/errors/problem.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import { CANCELLED_WITH_DISPENSER_EXTENSION } from '../../prescribing/index.js';
import { parseRelease } from '../release/parse-release.js';
import { type ReleaseDeps, type ReleaseResult, releasePrescriptions } from '../release/release.js';

export function registerReleaseRoute(
  fhir: FastifyInstance,
  deps: Omit<ReleaseDeps, 'onVerificationFailure'> & {
    access: AccessControl;
    audit: { record(input: AuditInput): Promise<void> };
    onVerificationFailure: ReleaseDeps['onVerificationFailure'];
  },
): void {
  fhir.post(
    '/Task/$release',
    { config: { access: { roles: ['dispenser'], organisation: 'token-org-must-match' } } },
    async (request, reply) => {
      const parsed = parseRelease(request.body);
      deps.access.assertOrganisation(request, parsed.owner);
      const result = await releasePrescriptions(deps, parsed);
      const agent = agentOfRequest(request);
      await Promise.all(
        [
          ...result.passed.map((passed) => passed.record.patient),
          ...result.failed.map((failed) => failed.patient),
        ].map((patient) =>
          deps.audit.record({
            action: 'R',
            subtype: 'operation',
            outcome: '0',
            agent,
            entity: { reference: 'Task/release', type: 'Task' },
            ...(patient ? { patient } : {}),
            requestId: request.id,
            detail: 'Task/$release',
          }),
        ),
      );
      return sendFhir(reply, 200, releaseResponse(result));
    },
  );
}

function releaseResponse(result: ReleaseResult): Parameters {
  const passed: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: result.passed.length,
    entry: result.passed.map(({ bundle }) => ({ fullUrl: `urn:uuid:${bundle.id ?? ''}`, resource: bundle })),
  };
  const failed: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: result.failed.length,
    entry: result.failed.map((failure) => ({ resource: failure.outcome })),
  };
  // Items the prescriber cancelled while this pharmacy held the prescription: the signed bundle
  // cannot say so, so the release says it alongside, as warnings.
  const warnings = result.passed.flatMap(({ record }) =>
    record.state.items
      .filter((item) => item.cancelled)
      .map((item) => ({
        resource: {
          ...operationOutcome([
            {
              code: 'INVALID_STATE_TRANSITION',
              severity: 'warning',
              diagnostics: `Item ${item.id} of prescription ${record.shortFormId} was cancelled by the prescriber: do not dispense it`,
            },
          ]),
          extension: [
            { url: CANCELLED_WITH_DISPENSER_EXTENSION, valueBoolean: item.cancelledWithDispenser === true },
          ],
        },
      })),
  );
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'passedPrescriptions', resource: passed },
      { name: 'failedPrescriptions', resource: failed },
      ...(warnings.length > 0
        ? [
            {
              name: 'warnings',
              resource: { resourceType: 'Bundle', type: 'collection', entry: warnings } as Bundle,
            },
          ]
        : []),
    ],
  };
}
