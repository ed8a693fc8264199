/** search-type and history-instance: both answer with a Bundle built from SQL pages. */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { needsPatientBinding, principalOf } from '../../auth/fastify.js';
import { forbidden, invalid, Problem } from '../../errors/problem.js';
import { sendFhir } from '../../http/fhir-json.js';
import { patientOf } from '../patient-compartment.js';
import type { AuditPurpose } from '../read-access/staff-reads.js';
import {
  type PatientCompartment,
  parseSearchQuery,
  patientsNamed,
  runSearch,
  type SearchRequest,
} from '../search/index.js';
import { assertResourceType, listHistory } from '../store/repository.js';
import {
  assertVisibleToPatient,
  auditRequest,
  authorizeRead,
  type FhirDeps,
  queryOf,
  READ_RULES,
  reportShownToPatient,
  visibilityOf,
} from './deps.js';

const HISTORY_PAGE_DEFAULT = 50;

export function registerSearchAndHistory(app: FastifyInstance, deps: FhirDeps): void {
  // A search whose client has gone is cancelled in the database (see http/server.ts).
  const searchRoute = { config: { ...READ_RULES, cancelQueriesOnClose: true } };
  app.get<{ Params: { type: string } }>('/:type', searchRoute, async (request, reply) => {
    const { type } = request.params;
    assertResourceType(type);
    await authorizeRead(deps, request, type);
    const query = queryOf(request);
    const parsed = parseSearchQuery(type, query);
    const forPatient = needsPatientBinding(request);
    // A patient's search runs inside their own compartment (counts and pages included); the
    // binding below re-checks every resource all the same.
    const compartment = forPatient ? deps.access.patientCompartment(request) : undefined;
    // A visibility rule hides some of the patient's own records for now, which SQL cannot see:
    // a count of those types would reveal that hidden ones exist.
    if (forPatient && (parsed.countOnly || parsed.total === 'accurate') && visibilityOf(deps).has(type)) {
      throw forbidden(
        `Counts of ${type} are not available to patient accounts: ask for the records themselves`,
      );
    }
    if (compartment) await reportOtherPatientsNamed(deps, request, parsed, compartment);
    // Staff: only what is related to their organisation, unless they break the glass.
    const staff = deps.staffReads.searchAccess(request, type);
    const found = await runSearch(deps.db, parsed, query, {
      baseUrl: deps.baseUrl,
      ...(compartment ? { patientCompartment: compartment } : {}),
      ...(staff.restriction ? { restriction: staff.restriction } : {}),
    });
    const bundle = forPatient
      ? await visibilityOf(deps).filterBundle(
          deps.db,
          await deps.access.bindBundleToPatient(request, found),
          principalOf(request),
          { searchedType: type, firstPage: parsed.offset === 0 },
        )
      : await deps.staffReads.filterIncluded(request, found, staff);
    await auditSearch(deps, request, type, bundle, staff.purpose);
    if (staff.purpose) await deps.staffReads.searchedWithBrokenGlass(request, type, bundle);
    if (forPatient) await reportShownToPatient(deps, request, resourcesOf(bundle));
    return sendFhir(reply, 200, bundle);
  });

  app.get<{ Params: { type: string; id: string } }>(
    '/:type/:id/_history',
    searchRoute,
    async (request, reply) => {
      const { type, id } = request.params;
      await authorizeRead(deps, request, type);
      const query = queryOf(request);
      for (const name of new Set(query.keys())) {
        if (query.getAll(name).length > 1)
          throw invalid(`${name} is given more than once: give it once`, name);
      }
      const count = pageSize(query.get('_count'));
      const before = query.get('_before-version');
      if (before !== null && !/^\d{1,15}$/.test(before)) {
        throw new Problem('INVALID_VALUE', '_before-version must be a version number', {
          expression: '_before-version',
        });
      }
      const versions = await listHistory(deps.db, type, id, {
        count: count + 1,
        ...(before !== null ? { beforeVersion: Number(before) } : {}),
      });
      if (versions.length === 0) throw new Problem('NOT_FOUND', `${type}/${id} not found`);
      const page = versions.slice(0, count);
      const purpose = await deps.staffReads.authorizeInstance(request, {
        interaction: 'history-instance',
        resourceType: type,
        id,
        reference: `${type}/${id}`,
        content: page.find((version) => !version.deleted)?.content,
      });
      const forPatient = needsPatientBinding(request);
      let shown = page;
      if (forPatient) {
        const live = page.filter((v) => !v.deleted);
        const resources = live.map((version) => JSON.parse(version.content) as Resource);
        for (const resource of resources) await deps.access.assertPatientBound(request, resource);
        const visible = new Set(await visibilityOf(deps).filter(deps.db, resources, principalOf(request)));
        const hidden = resources.filter((resource) => !visible.has(resource));
        // A resource hidden from the patient has no history for them either: 404, as for a read.
        if (hidden[0] && visible.size === 0)
          await assertVisibleToPatient(deps, request, hidden[0], `${type}/${id}`);
        if (hidden.length > 0) {
          const kept = new Set(live.filter((_, index) => visible.has(resources[index]!)));
          shown = page.filter((version) => version.deleted || kept.has(version));
        }
      }
      const self = `${deps.baseUrl}/${type}/${id}/_history`;
      const last = page[page.length - 1];
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'history',
        link: [
          {
            relation: 'self',
            url: `${self}?_count=${count}${before !== null ? `&_before-version=${before}` : ''}`,
          },
          ...(versions.length > count && last
            ? [{ relation: 'next', url: `${self}?_count=${count}&_before-version=${last.versionId}` }]
            : []),
        ],
        entry: shown.map((version) => ({
          fullUrl: `${deps.baseUrl}/${type}/${id}`,
          ...(version.deleted ? {} : { resource: JSON.parse(version.content) as Resource }),
          request: {
            method: version.deleted ? 'DELETE' : version.versionId === 1 ? 'POST' : 'PUT',
            url: `${type}/${id}`,
          },
          response: {
            status: version.deleted ? '204 No Content' : version.versionId === 1 ? '201 Created' : '200 OK',
            etag: `W/"${version.versionId}"`,
            lastModified: version.lastUpdated.toISOString(),
          },
        })),
      };
      if (deps.rules.holdsPatientData(type) || purpose) {
        const resource = shown.find((version) => !version.deleted);
        const patient =
          type === 'Patient'
            ? `Patient/${id}`
            : resource
              ? patientOf(JSON.parse(resource.content))
              : undefined;
        await deps.audit.record({
          action: 'R',
          subtype: 'history-instance',
          outcome: '0',
          ...auditRequest(request),
          entity: { reference: `${type}/${id}` },
          ...(patient ? { patient } : {}),
          ...purpose,
        });
      }
      if (forPatient) await reportShownToPatient(deps, request, resourcesOf(bundle));
      return sendFhir(reply, 200, bundle);
    },
  );
}

/**
 * A patient's search that names another patient answers as if that patient had no records (the
 * compartment narrows it), and the attempt is refused, audited and counted like a blocked read.
 */
async function reportOtherPatientsNamed(
  deps: FhirDeps,
  request: FastifyRequest,
  parsed: SearchRequest,
  compartment: PatientCompartment,
): Promise<void> {
  const others = patientsNamed(parsed)
    .filter((reference) => reference !== `Patient/${compartment.patientId}`)
    .map((reference): Resource => ({ resourceType: 'Patient', id: reference.slice('Patient/'.length) }));
  if (others.length > 0) await deps.access.bindToPatient(request, others);
}

function resourcesOf(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
}

function pageSize(raw: string | null): number {
  if (raw === null) return HISTORY_PAGE_DEFAULT;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) {
    throw new Problem('INVALID_VALUE', '_count must be between 1 and 1000', { expression: '_count' });
  }
  return Number(raw);
}

/**
 * One audit record for each patient whose data a search returned, listing what was returned. A
 * break-the-glass search is always audited (with its purpose and reason), even when it found nothing.
 */
async function auditSearch(
  deps: FhirDeps,
  request: FastifyRequest,
  type: string,
  bundle: Bundle,
  purpose: AuditPurpose | undefined,
) {
  // Each patient's returned resources, listed in that patient's one record (IHE BALP: one
  // AuditEvent per patient of a query); resources of no patient go with the first record.
  const byPatient = new Map<string | undefined, string[]>();
  const unowned: string[] = [];
  let patientData = deps.rules.holdsPatientData(type);
  for (const entry of bundle.entry ?? []) {
    if (!entry.resource) continue;
    if (deps.rules.holdsPatientData(entry.resource.resourceType)) patientData = true;
    if (!entry.resource.id) continue;
    const patient = patientOf(entry.resource);
    const reference = `${entry.resource.resourceType}/${entry.resource.id}`;
    if (!patient) {
      unowned.push(reference);
      continue;
    }
    const listed = byPatient.get(patient) ?? [];
    listed.push(reference);
    byPatient.set(patient, listed);
  }
  if (!purpose && (!patientData || (bundle.entry ?? []).length === 0)) return;
  if (byPatient.size === 0) byPatient.set(undefined, []);
  const records = [...byPatient];
  records[0]![1].push(...unowned);
  await Promise.all(
    records.map(([patient, returned]) =>
      deps.audit.record({
        action: 'E',
        subtype: 'search-type',
        outcome: '0',
        ...auditRequest(request),
        entity: { reference: type },
        returned,
        ...(patient ? { patient } : {}),
        ...purpose,
      }),
    ),
  );
}
