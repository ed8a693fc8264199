/** POST /fhir/R4/DiagnosticReport/{id}/$release [clinician, prescriber]. */
import type { DiagnosticReport } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { agentOfRequest } from '../../platform/auth/fastify.js';
import { Problem } from '../../platform/errors/problem.js';
import { patientOf } from '../../platform/fhir/patient-compartment.js';
import { readCurrent } from '../../platform/fhir/store/repository.js';
import { validateId } from '../../platform/fhir/validation/index.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import { emit } from '../../platform/outbox/outbox.js';
import type { PortalDeps } from '../deps.js';
import { auditOperation, parameters } from '../http.js';
import { readParameters } from '../parameters.js';
import { PORTAL_POLICIES } from '../policies.js';
import { releasesOf, saveRelease } from './release-store.js';
import { type Release, releaseRefusal, visibleFromOf } from './visibility.js';

export function registerResultRoutes(fhir: FastifyInstance, deps: PortalDeps): void {
  fhir.post<{ Params: { id: string } }>(
    '/DiagnosticReport/:id/$release',
    { config: { access: PORTAL_POLICIES.releaseResults } },
    async (request, reply) => {
      const { id } = request.params;
      validateId(id);
      readParameters(request.body, {});
      const agent = agentOfRequest(request);
      const releasedBy = agent.reference ?? agent.display ?? 'unknown';
      const outcome = await deps.db.transaction(async (tx) => {
        const stored = await readCurrent(tx, 'DiagnosticReport', id, { forUpdate: true });
        if (!stored) throw new Problem('NOT_FOUND', `DiagnosticReport/${id} not found`);
        if (stored.deleted) throw new Problem('GONE', `DiagnosticReport/${id} was deleted`);
        const report = JSON.parse(stored.content) as DiagnosticReport;
        const patient = patientOf(report);
        const refusal = releaseRefusal(report, patient);
        if (refusal || !patient) throw refusal;
        const existing = (await releasesOf(tx, [id])).get(id);
        // Releasing again changes nothing; a report since moved to another patient is released anew.
        if (existing && existing.patient === patient) return { release: existing, created: false };
        const releasedAt = deps.now();
        const release = await saveRelease(tx, {
          reportId: id,
          patient,
          releasedAt,
          releasedBy,
          visibleFrom: visibleFromOf(releasedAt, deps.settings.resultReleaseDelayS),
        });
        await emit(tx, {
          type: 'result-released',
          key: `DiagnosticReport/${id}`,
          payload: {
            patient,
            report: `DiagnosticReport/${id}`,
            visibleFrom: release.visibleFrom.toISOString(),
          },
        });
        return { release, created: true };
      });
      await auditOperation(deps.audit, request, {
        action: 'E',
        reference: `DiagnosticReport/${id}`,
        patient: outcome.release.patient,
        detail: outcome.created ? 'result released' : 'result already released',
      });
      return sendFhir(reply, 200, releaseParameters(outcome.release));
    },
  );
}

function releaseParameters(release: Release) {
  return parameters([
    { name: 'report', valueReference: { reference: `DiagnosticReport/${release.reportId}` } },
    { name: 'releasedAt', valueDateTime: release.releasedAt.toISOString() },
    { name: 'releasedBy', valueString: release.releasedBy },
    { name: 'visibleFrom', valueDateTime: release.visibleFrom.toISOString() },
    ...(release.seenAt ? [{ name: 'seenAt', valueDateTime: release.seenAt.toISOString() }] : []),
  ]);
}
