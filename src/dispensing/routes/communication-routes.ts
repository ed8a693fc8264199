/**
 * Prescriber–dispenser messaging (docs/api.md §9): POST /Communication [prescriber, dispenser]
 * about a prescription to the other party; GET /Communication and /Communication/{id} list and
 * read what was sent to (or by) the caller's organisation. Patients never see them.
 */
import type { Bundle, Communication } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import type { AuditInput } from '../../platform/audit/audit-event.js';
import { auditRequest, principalOf } from '../../platform/auth/fastify.js';
import type { AccessPolicy } from '../../platform/auth/policy.js';
import type { Database } from '../../platform/database/database.js';
import { forbidden, invalid, Problem } from '../../platform/errors/problem.js';
import { queryOf } from '../../platform/fhir/routes/deps.js';
import { search } from '../../platform/fhir/search/index.js';
import { createResource, readResource } from '../../platform/fhir/store/repository.js';
import { validateResource } from '../../platform/fhir/validation/index.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import { findPrescription, ODS_SYSTEM } from '../../prescribing/index.js';
import { aboutPrescription, checkCommunication, mayRead } from '../messaging/communication-rules.js';

const WRITERS: AccessPolicy = { roles: ['prescriber', 'dispenser'], organisation: 'token-org-must-match' };
const READERS: AccessPolicy = { roles: ['prescriber', 'dispenser', 'service-desk', 'admin'] };
const SEARCH_PARAMS = new Set([
  'recipient',
  'recipient:identifier',
  'sender:identifier',
  '_count',
  '_offset',
  '_sort',
]);

export function registerCommunicationRoutes(
  fhir: FastifyInstance,
  deps: {
    db: Database;
    audit: { record(input: AuditInput): Promise<void> };
    baseUrl: string;
  },
): void {
  fhir.post('/Communication', { config: { access: WRITERS } }, async (request, reply) => {
    const caller = principalOf(request);
    const input = validateResource(request.body) as Communication;
    if (input.resourceType !== 'Communication')
      throw invalid('POST /Communication takes a Communication', 'resourceType');
    const shortFormId = aboutPrescription(input);
    const written = await deps.db.transaction(async (tx) => {
      const record = await findPrescription(tx, shortFormId, { summary: true });
      if (!record) throw new Problem('PRESCRIPTION_NOT_FOUND', `Prescription ${shortFormId} was not found`);
      const checked = checkCommunication(input, record, caller.org!);
      const { id: _id, meta: _meta, ...content } = checked;
      const created = await createResource(tx, {
        ...content,
        status: checked.status ?? 'completed',
        sent: new Date().toISOString(),
        sender: { identifier: { system: ODS_SYSTEM, value: caller.org! } },
        ...(record.patient ? { subject: { reference: record.patient } } : {}),
      });
      return { created, patient: record.patient };
    });
    await deps.audit.record({
      action: 'C',
      subtype: 'create',
      outcome: '0',
      ...auditRequest(request),
      entity: { reference: `Communication/${written.created.id}`, type: 'Communication' },
      ...(written.patient ? { patient: written.patient } : {}),
    });
    reply.header('location', `${deps.baseUrl}/Communication/${written.created.id}/_history/1`);
    return sendFhir(reply, 201, written.created.content);
  });

  fhir.get('/Communication', { config: { access: READERS } }, async (request, reply) => {
    const caller = principalOf(request);
    const raw = queryOf(request);
    for (const name of raw.keys())
      if (!SEARCH_PARAMS.has(name)) throw invalid(`Unknown Communication search parameter ${name}`, name);
    const query = new URLSearchParams(raw);
    const desk = caller.roles.includes('service-desk') || caller.roles.includes('admin');
    const recipient = raw.get('recipient');
    if (recipient !== null) {
      query.delete('recipient');
      if (recipient.startsWith('Practitioner/')) {
        if (!desk && recipient !== caller.fhirUser)
          throw forbidden('You can list only what was sent to you or your organisation');
        query.set('recipient', recipient);
      } else {
        const ods = recipient.includes('|')
          ? recipient.split('|').pop()!
          : recipient.replace(/^Organization\//, '');
        if (!desk && ods !== caller.org)
          throw forbidden('You can list only what was sent to your organisation');
        query.set('recipient:identifier', `${ODS_SYSTEM}|${ods}`);
      }
    } else if (!desk) {
      if (!caller.org) throw forbidden('This needs a token issued for an organisation');
      if (!raw.has('recipient:identifier')) query.set('recipient:identifier', `${ODS_SYSTEM}|${caller.org}`);
    }
    const asked = query.get('recipient:identifier');
    if (!desk && asked && asked.split('|').pop() !== caller.org)
      throw forbidden('You can list only what was sent to your organisation');
    const bundle = (await search(deps.db, 'Communication', query, {
      baseUrl: deps.baseUrl,
    })) as Bundle<Communication>;
    const visible = desk
      ? bundle
      : {
          ...bundle,
          entry: (bundle.entry ?? []).filter((entry) => entry.resource && mayRead(entry.resource, caller)),
        };
    return sendFhir(reply, 200, visible);
  });

  fhir.get<{ Params: { id: string } }>(
    '/Communication/:id',
    { config: { access: READERS } },
    async (request, reply) => {
      const caller = principalOf(request);
      const stored = await readResource(deps.db, 'Communication', request.params.id);
      const communication = JSON.parse(stored.content) as Communication;
      const desk = caller.roles.includes('service-desk') || caller.roles.includes('admin');
      if (!desk && !mayRead(communication, caller)) {
        throw new Problem('NOT_FOUND', `Communication/${request.params.id} not found`);
      }
      await deps.audit.record({
        action: 'R',
        subtype: 'read',
        outcome: '0',
        ...auditRequest(request),
        entity: { reference: `Communication/${stored.id}`, type: 'Communication' },
        ...(communication.subject?.reference?.startsWith('Patient/')
          ? { patient: communication.subject.reference }
          : {}),
      });
      return sendFhir(reply, 200, stored.content);
    },
  );
}
