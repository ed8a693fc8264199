/**
 * A clinician books or changes an appointment (create or update), in one transaction with the
 * slots it takes or gives back and the `appointment-changed` event.
 */
import type { Appointment } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { invalid } from '../../platform/errors/problem.js';
import {
  createResource,
  readCurrent,
  updateResource,
  type WriteResult,
} from '../../platform/fhir/store/repository.js';
import { validateResource } from '../../platform/fhir/validation/index.js';
import {
  appointmentPatient,
  assertSamePatient,
  clinicianChange,
  heldSlotIds,
  slotIds,
  withTimesFromSlots,
} from './rules.js';
import { emitAppointmentChanged, freeSlots, lockSlots, occupySlots, pick } from './slots.js';

/**
 * The body as an Appointment with one patient, before anything is locked (a 400 otherwise). Full
 * validation comes with the write, once start and end may have been taken from the slots.
 */
export function appointmentBody(body: unknown): Appointment {
  if (
    typeof body !== 'object' ||
    body === null ||
    (body as { resourceType?: unknown }).resourceType !== 'Appointment'
  ) {
    throw invalid('The body must be an Appointment', 'resourceType');
  }
  const { participant, slot } = body as { participant?: unknown; slot?: unknown };
  if (!Array.isArray(participant) || (slot !== undefined && !Array.isArray(slot))) {
    validateResource(body); // names the structural problem the way every write does
    throw invalid('Appointment.participant and Appointment.slot must be lists', 'Appointment');
  }
  appointmentPatient(body as Appointment);
  return body as Appointment;
}

export interface ClinicianWrite {
  /** PUT: the id in the URL; absent for POST. */
  id?: string;
  ifMatch?: number;
}

export async function writeAppointment(
  tx: Queryable,
  input: Appointment,
  options: ClinicianWrite,
): Promise<WriteResult> {
  const stored = options.id
    ? await readCurrent(tx, 'Appointment', options.id, { forUpdate: true })
    : undefined;
  const before = stored && !stored.deleted ? (JSON.parse(stored.content) as Appointment) : undefined;
  if (before) assertSamePatient(before, input);
  const wanted = slotIds(input);
  const heldBefore = before ? heldSlotIds(before) : [];
  const heldAfter = heldSlotIds(input);
  const slots = await lockSlots(tx, [...wanted, ...heldBefore], wanted, 'Appointment.slot');
  const complete = withTimesFromSlots(input, pick(slots, wanted));
  const result = options.id
    ? await updateResource(tx, 'Appointment', options.id, complete, {
        ...(options.ifMatch !== undefined ? { ifMatch: options.ifMatch } : {}),
      })
    : await createResource(tx, complete);
  await freeSlots(
    tx,
    pick(
      slots,
      heldBefore.filter((id) => !heldAfter.includes(id)),
    ),
  );
  await occupySlots(
    tx,
    pick(
      slots,
      heldAfter.filter((id) => !heldBefore.includes(id)),
    ),
  );
  const after = result.resource as Appointment;
  const change = clinicianChange(before, after);
  if (change) await emitAppointmentChanged(tx, after, appointmentPatient(after), change, 'clinician');
  return result;
}
