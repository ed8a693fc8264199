/**
 * Appointments the hospital's EPR owns (pure). The EPR is their source of truth, so a patient's
 * cancel or reschedule of one is a request sent to the EPR, not a change made here: the request is
 * recorded on the Appointment (an extension the portal reads) until the EPR's SIU confirms it, or
 * the EPR refuses it. `epr-confirmed-at` says when the hospital last told us about the appointment,
 * so the portal can show how fresh what it shows is while the EPR is unreachable.
 */
import type { Appointment, Extension, Identifier } from '@medplum/fhirtypes';
import { Problem } from '../../platform/errors/problem.js';

export const HOSPITAL_REQUEST_EXTENSION =
  'https://fhir.pathways.dev/StructureDefinition/hospital-change-request';
export const EPR_CONFIRMED_AT_EXTENSION = 'https://fhir.pathways.dev/StructureDefinition/epr-confirmed-at';
/** v2-0203 "Filler Identifier": the EPR's own appointment number (SCH-2, else SCH-1). */
export const IDENTIFIER_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const FILLER_TYPE = 'FILL';

export type HospitalChange = 'cancel' | 'reschedule';
/** sent: queued for or on the way to the EPR; delivered: the EPR accepted the message (AA). */
export type HospitalRequestState = 'sent' | 'delivered' | 'refused';

export interface HospitalRequest {
  change: HospitalChange;
  state: HospitalRequestState;
  /** The outbox event (and MSH-10) that carries it. */
  event: string;
  requestedAt: string;
  /** Reschedule: the Slot asked for. */
  slot?: string;
  /** Refused: what the EPR said. */
  reason?: string;
}

/** The EPR's identifier of an appointment that came from the EPR, or undefined for a portal one. */
export function eprIdentifier(appointment: Appointment): Identifier | undefined {
  return appointment.identifier?.find(
    (identifier) =>
      identifier.value &&
      identifier.type?.coding?.some(
        (coding) => coding.system === IDENTIFIER_TYPE_SYSTEM && coding.code === FILLER_TYPE,
      ),
  );
}

function part(extension: Extension, url: string): Extension | undefined {
  return extension.extension?.find((sub) => sub.url === url);
}

export function hospitalRequestOf(appointment: Appointment): HospitalRequest | undefined {
  const extension = appointment.extension?.find((e) => e.url === HOSPITAL_REQUEST_EXTENSION);
  if (!extension) return undefined;
  const change = part(extension, 'change')?.valueCode;
  const state = part(extension, 'state')?.valueCode;
  const event = part(extension, 'event')?.valueString;
  const requestedAt = part(extension, 'requested')?.valueDateTime;
  if ((change !== 'cancel' && change !== 'reschedule') || !event || !requestedAt) return undefined;
  if (state !== 'sent' && state !== 'delivered' && state !== 'refused') return undefined;
  const slot = part(extension, 'slot')?.valueReference?.reference;
  const reason = part(extension, 'reason')?.valueString;
  return { change, state, event, requestedAt, ...(slot ? { slot } : {}), ...(reason ? { reason } : {}) };
}

/** The appointment with `request` recorded (replacing any earlier one), or with none. */
export function withHospitalRequest(
  appointment: Appointment,
  request: HospitalRequest | undefined,
): Appointment {
  const others = (appointment.extension ?? []).filter((e) => e.url !== HOSPITAL_REQUEST_EXTENSION);
  const parts: Extension[] = request
    ? [
        { url: 'change', valueCode: request.change },
        { url: 'state', valueCode: request.state },
        { url: 'event', valueString: request.event },
        { url: 'requested', valueDateTime: request.requestedAt },
        ...(request.slot ? [{ url: 'slot', valueReference: { reference: request.slot } }] : []),
        ...(request.reason ? [{ url: 'reason', valueString: request.reason }] : []),
      ]
    : [];
  const extension = request ? [...others, { url: HOSPITAL_REQUEST_EXTENSION, extension: parts }] : others;
  const { extension: _old, ...rest } = appointment;
  return extension.length > 0 ? { ...rest, extension } : rest;
}

/**
 * Why the patient may not change an EPR appointment online at all: without a link to the EPR
 * (EPR_MLLP_URL unset) the hospital would never hear of it.
 */
export function unlinkedRefusal(appointment: Appointment, eprLinked: boolean): Problem | undefined {
  if (eprLinked || !eprIdentifier(appointment)) return undefined;
  return new Problem(
    'INVALID_STATE_TRANSITION',
    'This appointment was booked by the hospital: call the clinic to change it',
    { expression: 'Appointment.identifier' },
  );
}

/** A request still waiting for the EPR blocks another change: the EPR answers one at a time. */
export function waitingRequestRefusal(appointment: Appointment): Problem | undefined {
  const request = hospitalRequestOf(appointment);
  if (!request || request.state === 'refused') return undefined;
  return new Problem(
    'INVALID_STATE_TRANSITION',
    `Your request to ${request.change} this appointment is waiting for the hospital to confirm`,
    { expression: 'Appointment.extension' },
  );
}

/**
 * The EPR's answer to our message: AA moves the request to delivered, AE/AR to refused with the
 * EPR's text. Only the request the message carried is touched (a later request stays as it is).
 */
export function answered(
  appointment: Appointment,
  event: string,
  answer: { accepted: true } | { accepted: false; reason: string },
): Appointment | undefined {
  const request = hospitalRequestOf(appointment);
  if (!request || request.event !== event || request.state === 'refused') return undefined;
  if (answer.accepted) {
    return request.state === 'delivered'
      ? undefined
      : withHospitalRequest(appointment, { ...request, state: 'delivered' });
  }
  return withHospitalRequest(appointment, { ...request, state: 'refused', reason: answer.reason });
}

/**
 * What an SIU from the EPR does to a recorded request: a cancellation or deletion (S15, S17)
 * settles any request; a reschedule (S13) settles a reschedule request. Others leave it waiting.
 */
export function settledBy(request: HospitalRequest | undefined, trigger: string): boolean {
  if (!request) return false;
  if (trigger === 'S15' || trigger === 'S17') return true;
  return trigger === 'S13' && request.change === 'reschedule';
}

/** Whether a write removed the request the stored version was waiting on (the EPR settled it). */
export function requestSettled(before: Appointment | undefined, after: Appointment | undefined): boolean {
  return (
    before !== undefined && hospitalRequestOf(before) !== undefined && (!after || !hospitalRequestOf(after))
  );
}

export function confirmedAtOf(appointment: Appointment): string | undefined {
  return appointment.extension?.find((e) => e.url === EPR_CONFIRMED_AT_EXTENSION)?.valueDateTime;
}

export function withConfirmedAt(appointment: Appointment, at: string): Appointment {
  const others = (appointment.extension ?? []).filter((e) => e.url !== EPR_CONFIRMED_AT_EXTENSION);
  return { ...appointment, extension: [...others, { url: EPR_CONFIRMED_AT_EXTENSION, valueDateTime: at }] };
}
