/**
 * A patient's nominated pharmacy [patient, own record] (docs/api.md §10):
 *   GET  /fhir/R4/Organization/$find-pharmacy?q=<name or postcode>   Bundle of pharmacies
 *   GET  /fhir/R4/Patient/{id}/$nominated-pharmacy                    Parameters pharmacy (resource)
 *   POST /fhir/R4/Patient/{id}/$nominate-pharmacy   Parameters pharmacy (valueCode, ODS; given
 *        without a value = no nomination)                             Parameters as the GET
 * New prescriptions sent without a pharmacy go to the nomination; ones already stored stay where
 * they are.
 */
import type { Bundle, Organization } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ODS_SYSTEM } from '../../nhs/index.js';
import { invalid } from '../../platform/errors/problem.js';
import { validateId } from '../../platform/fhir/validation/index.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import type { PortalDeps } from '../deps.js';
import { auditOperation, parameters } from '../http.js';
import { codeParameter, readParameters } from '../parameters.js';
import { PORTAL_POLICIES } from '../policies.js';
import { nominationCode, pharmacyQuery } from './rules.js';
import { changeNomination, findPharmacies, nominationOf, pharmacyByOds, unknownPharmacy } from './store.js';

const SPECS = { pharmacy: { types: ['valueCode'], required: true, mayBeEmpty: true } } as const;

export function registerNominationRoutes(fhir: FastifyInstance, deps: PortalDeps): void {
  const own = { access: PORTAL_POLICIES.ownNomination };
  const find = { access: PORTAL_POLICIES.findPharmacy };

  /** Another patient's record is refused (and reported) before anything is read. */
  async function ownRecord(request: FastifyRequest, id: string): Promise<string> {
    validateId(id);
    await deps.access.assertPatientBound(request, { resourceType: 'Patient', id });
    return `Patient/${id}`;
  }

  async function answer(patient: string) {
    const nomination = await nominationOf(deps.db, patient);
    const pharmacy = nomination && (await pharmacyByOds(deps.db, nomination.pharmacy, deps.baseUrl));
    return parameters(
      nomination
        ? [
            {
              name: 'pharmacy',
              // A nominated pharmacy the service no longer lists is still named by its code.
              resource:
                pharmacy ??
                ({
                  resourceType: 'Organization',
                  identifier: [{ system: ODS_SYSTEM, value: nomination.pharmacy }],
                } satisfies Organization),
            },
            { name: 'changed', valueDateTime: nomination.changedAt.toISOString() },
          ]
        : [],
    );
  }

  fhir.get<{ Querystring: Record<string, unknown> }>(
    '/Organization/$find-pharmacy',
    { config: find },
    async (request, reply) => {
      const unknown = Object.keys(request.query ?? {}).find((key) => key !== 'q');
      if (unknown !== undefined)
        throw invalid(`Unknown parameter ${unknown}; this operation takes q`, unknown);
      const query = pharmacyQuery(request.query?.q);
      const pharmacies = await findPharmacies(deps.db, query, deps.baseUrl);
      const bundle: Bundle<Organization> = {
        resourceType: 'Bundle',
        type: 'searchset',
        total: pharmacies.length,
        entry: pharmacies.map((resource) => ({ resource, search: { mode: 'match' } })),
      };
      return sendFhir(reply, 200, bundle);
    },
  );

  fhir.get<{ Params: { id: string } }>(
    '/Patient/:id/$nominated-pharmacy',
    { config: own },
    async (request, reply) => {
      const patient = await ownRecord(request, request.params.id);
      const body = await answer(patient);
      await auditOperation(deps.audit, request, { action: 'R', reference: patient, patient });
      return sendFhir(reply, 200, body);
    },
  );

  fhir.post<{ Params: { id: string } }>(
    '/Patient/:id/$nominate-pharmacy',
    { config: own },
    async (request, reply) => {
      const patient = await ownRecord(request, request.params.id);
      const given = readParameters(request.body, SPECS);
      const code = codeParameter(given, 'pharmacy');
      const pharmacy = code === undefined ? null : nominationCode(code);
      if (pharmacy !== null && !(await pharmacyByOds(deps.db, pharmacy, deps.baseUrl))) {
        throw unknownPharmacy(pharmacy);
      }
      const { changed, previous } = await deps.db.transaction((tx) =>
        changeNomination(tx, { patient, pharmacy, now: deps.now() }),
      );
      await auditOperation(deps.audit, request, {
        action: 'U',
        reference: patient,
        patient,
        detail: changed
          ? `nominated pharmacy changed by the patient from ${previous ?? 'none'} to ${pharmacy ?? 'none'}`
          : 'nominated pharmacy confirmed by the patient (unchanged)',
      });
      return sendFhir(reply, 200, await answer(patient));
    },
  );
}
