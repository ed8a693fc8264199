/**
 * A patient's own appointments [patient, own record]:
 *   POST /fhir/R4/Appointment/{id}/$cancel        Parameters reason (valueString | valueCodeableConcept)
 *   POST /fhir/R4/Appointment/{id}/$reschedule    Parameters slot (valueReference Slot/<id>)
 *   GET  /fhir/R4/Appointment/{id}/$available-slots?_count=  free slots of the same schedule
 * Another patient's appointment is refused by patient binding (403, audited, HAZ-WRONG-PATIENT)
 * before anything else is looked at. For an appointment the hospital's EPR booked, cancel and
 * reschedule are requests to the EPR: 202 with the Appointment unchanged but for the request.
 */
import type { Appointment, Bundle, Slot } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalOf } from '../../platform/auth/fastify.js';
import { ownPatient } from '../../platform/auth/policy.js';
import { forbidden, invalid } from '../../platform/errors/problem.js';
import { search } from '../../platform/fhir/search/index.js';
import { readCurrent, readResource } from '../../platform/fhir/store/repository.js';
import { validateId } from '../../platform/fhir/validation/index.js';
import { sendFhir } from '../../platform/http/fhir-json.js';
import type { PortalDeps } from '../deps.js';
import { auditOperation, sendWritten } from '../http.js';
import { conceptParameter, readParameters, referencedId, referenceParameter } from '../parameters.js';
import { PORTAL_POLICIES } from '../policies.js';
import { hospitalRequestOf, unlinkedRefusal } from './hospital-requests.js';
import { cancelAppointment, rescheduleAppointment } from './patient-changes.js';
import {
  dayAllowed,
  notBookedInSlot,
  type PatientChangeContext,
  patientChangeRefusal,
  scheduleOf,
  slotIds,
} from './rules.js';

type IdParams = { Params: { id: string } };

export function registerPatientAppointmentRoutes(fhir: FastifyInstance, deps: PortalDeps): void {
  const ownOnly = { config: { access: PORTAL_POLICIES.ownAppointments } };
  const changeContext = (): PatientChangeContext => ({
    now: deps.now(),
    cutoffS: deps.settings.appointmentChangeCutoffS,
    managedTypes: deps.settings.clinicianManagedTypes,
    weekdayOnlyTypes: deps.settings.weekdayOnlyTypes,
    eprLinked: deps.settings.eprLinked,
  });

  /** The caller's own appointment, or 404/410, or 403 (reported) when it is another patient's. */
  async function ownAppointment(
    request: FastifyRequest,
    id: string,
  ): Promise<{ patient: string; appointment: Appointment }> {
    validateId(id);
    const stored = await readResource(deps.db, 'Appointment', id);
    const appointment = JSON.parse(stored.content) as Appointment;
    await deps.access.assertPatientBound(request, appointment);
    const patient = ownPatient(principalOf(request));
    if (!patient) throw forbidden('This patient account is not linked to a patient record');
    return { patient, appointment };
  }

  fhir.post<IdParams>('/Appointment/:id/$cancel', ownOnly, async (request, reply) => {
    const { id } = request.params;
    const { patient } = await ownAppointment(request, id);
    const given = readParameters(request.body, {
      reason: { types: ['valueString', 'valueCodeableConcept'], maxLength: 500 },
    });
    const reason = conceptParameter(given, 'reason');
    const result = await deps.db.transaction((tx) =>
      cancelAppointment(tx, id, patient, reason, changeContext()),
    );
    await auditOperation(deps.audit, request, {
      action: 'U',
      reference: `Appointment/${id}`,
      patient,
      detail: requested(result)
        ? 'cancel requested from the hospital by the patient'
        : 'cancelled by the patient',
    });
    return sendWritten(reply, result, deps.baseUrl, requested(result) ? 202 : 200);
  });

  fhir.post<IdParams>('/Appointment/:id/$reschedule', ownOnly, async (request, reply) => {
    const { id } = request.params;
    const { patient } = await ownAppointment(request, id);
    const given = readParameters(request.body, { slot: { types: ['valueReference'], required: true } });
    const slotId = referencedId(referenceParameter(given, 'slot') ?? '', 'Slot', 'slot');
    const result = await deps.db.transaction((tx) =>
      rescheduleAppointment(tx, id, patient, slotId, changeContext()),
    );
    await auditOperation(deps.audit, request, {
      action: 'U',
      reference: `Appointment/${id}`,
      patient,
      detail: requested(result)
        ? 'reschedule requested from the hospital by the patient'
        : 'rescheduled by the patient',
    });
    return sendWritten(reply, result, deps.baseUrl, requested(result) ? 202 : 200);
  });

  fhir.get<IdParams>('/Appointment/:id/$available-slots', ownOnly, async (request, reply) => {
    const { id } = request.params;
    const { patient, appointment } = await ownAppointment(request, id);
    const count = countOf(request);
    const context = changeContext();
    const refusal =
      patientChangeRefusal(appointment, context) ?? unlinkedRefusal(appointment, context.eprLinked === true);
    if (refusal) throw refusal;
    const current: Slot[] = [];
    for (const slotId of slotIds(appointment)) {
      const stored = await readCurrent(deps.db, 'Slot', slotId);
      if (stored && !stored.deleted) current.push(JSON.parse(stored.content) as Slot);
    }
    const schedule = current[0] ? scheduleOf(current[0]) : undefined;
    if (!schedule) throw notBookedInSlot();
    const query = new URLSearchParams({
      schedule,
      status: 'free',
      start: `gt${context.now.toISOString()}`,
      _sort: 'start',
      // Weekend slots an outpatient appointment may not move to are left out after the search.
      _count: String(SLOTS_MAX),
    });
    const found = await search(deps.db, 'Slot', query, { baseUrl: deps.baseUrl });
    const entries = (found.entry ?? [])
      .filter((entry) => entry.search?.mode === 'match')
      .filter((entry) => dayAllowed(appointment, entry.resource as Slot, context.weekdayOnlyTypes))
      .slice(0, count);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'self', url: `${deps.baseUrl}/Appointment/${id}/$available-slots?_count=${count}` }],
      entry: entries,
    };
    await auditOperation(deps.audit, request, {
      action: 'R',
      reference: `Appointment/${id}`,
      patient,
      detail: 'free slots to reschedule to',
    });
    return sendFhir(reply, 200, bundle);
  });
}

/** The write recorded a request to the EPR (rather than the change itself). */
function requested(result: { resource: unknown }): boolean {
  return hospitalRequestOf(result.resource as Appointment)?.state === 'sent';
}

const SLOTS_DEFAULT = 50;
const SLOTS_MAX = 200;

function countOf(request: FastifyRequest): number {
  const query = request.query as Record<string, unknown>;
  const unknown = Object.keys(query).find((key) => key !== '_count');
  if (unknown) throw invalid(`Unknown parameter ${unknown}; $available-slots takes _count`, unknown);
  const raw = query._count;
  if (raw === undefined) return SLOTS_DEFAULT;
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > SLOTS_MAX) {
    throw invalid(`_count must be between 1 and ${SLOTS_MAX}`, '_count');
  }
  return Number(raw);
}
