/**
 * Slots inside an appointment's transaction. Slot rows are locked (SELECT … FOR UPDATE) in id
 * order before they are checked, so two requests for one slot queue, and the second sees it busy:
 * double booking is refused however the requests interleave, on every replica.
 */
import type { Appointment, Resource, Slot } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/database/database.js';
import { Problem } from '../../platform/errors/problem.js';
import { readCurrent, updateResource } from '../../platform/fhir/store/repository.js';
import { emit } from '../../platform/outbox/outbox.js';
import type { AppointmentChange } from './rules.js';

/**
 * Locks and loads the slots; a slot in `required` that does not exist is a 400 naming it, the
 * others (slots an appointment held but that were deleted since) are left out.
 */
export async function lockSlots(
  tx: Queryable,
  ids: readonly string[],
  required: readonly string[],
  expression: string,
): Promise<Map<string, Slot>> {
  const slots = new Map<string, Slot>();
  for (const id of [...new Set(ids)].sort()) {
    const stored = await readCurrent(tx, 'Slot', id, { forUpdate: true });
    if (stored && !stored.deleted) slots.set(id, JSON.parse(stored.content) as Slot);
    else if (required.includes(id))
      throw new Problem('INVALID_VALUE', `Slot/${id} does not exist`, { expression });
  }
  return slots;
}

/**
 * The slots as locked earlier in this write (`locked`: `Slot/id` → as read, booking.ts's
 * beforeWrite), reading and locking only those it does not hold.
 */
export async function lockedSlots(
  tx: Queryable,
  locked: ReadonlyMap<string, Resource> | undefined,
  ids: readonly string[],
  expression: string,
): Promise<Map<string, Slot>> {
  const held = new Map<string, Slot>();
  for (const id of ids) {
    const slot = locked?.get(`Slot/${id}`);
    if (slot?.resourceType === 'Slot') held.set(id, slot);
  }
  const read = await lockSlots(
    tx,
    ids.filter((id) => !held.has(id)),
    [],
    expression,
  );
  return new Map([...held, ...read]);
}

/**
 * Marks the slots busy; any that is not free is a 409 and nothing is written. Answers the
 * versions written (`Slot/id/_history/n`).
 */
export async function occupySlots(tx: Queryable, slots: readonly Slot[]): Promise<string[]> {
  const taken = slots.find((slot) => slot.status !== 'free');
  if (taken)
    throw new Problem('CONFLICT', `Slot/${taken.id} is not free (${taken.status}): choose another slot`);
  const written: string[] = [];
  for (const slot of slots) written.push(await setStatus(tx, slot, 'busy'));
  return written;
}

/**
 * Frees slots that an appointment no longer holds (a slot someone marked otherwise is left alone).
 * Answers the versions written.
 */
export async function freeSlots(tx: Queryable, slots: readonly Slot[]): Promise<string[]> {
  const written: string[] = [];
  for (const slot of slots) if (slot.status === 'busy') written.push(await setStatus(tx, slot, 'free'));
  return written;
}

async function setStatus(tx: Queryable, slot: Slot, status: Slot['status']): Promise<string> {
  const result = await updateResource(tx, 'Slot', slot.id!, { ...slot, status });
  return `Slot/${result.id}/_history/${result.versionId}`;
}

export function pick(slots: ReadonlyMap<string, Slot>, ids: readonly string[]): Slot[] {
  return ids.flatMap((id) => {
    const slot = slots.get(id);
    return slot ? [slot] : [];
  });
}

/** `appointment-changed` (docs/events.md), in the write's transaction. */
export async function emitAppointmentChanged(
  tx: Queryable,
  appointment: Appointment,
  patient: string,
  change: AppointmentChange,
  by: 'patient' | 'clinician',
): Promise<void> {
  const reference = `Appointment/${appointment.id}`;
  await emit(tx, {
    type: 'appointment-changed',
    key: reference,
    payload: { patient, appointment: reference, change, start: appointment.start ?? null, by },
  });
}
