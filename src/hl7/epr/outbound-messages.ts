/**
 * What Pathways sends the EPR (pure): SRM^S04 (request to cancel) and SRM^S03 (request to
 * reschedule) for a patient's change to an appointment the EPR booked, OMP^O09 for a repeat
 * request; and how to read the EPR's answer. MSH-10 is the outbox event id, so a resend of one
 * event is the same message to the EPR (which de-duplicates on it) and its ACK names the event.
 */
import type { Identifier } from '@medplum/fhirtypes';
import { escapeHl7, unescapeHl7 } from '../message/escape.js';
import { formatHl7Instant } from '../message/hl7-time.js';

const NHS_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const CHI_SYSTEM = 'https://fhir.nhs.uk/Id/chi-number';

/** `appointment-change-requested` (docs/events.md). */
export interface AppointmentChangeRequested {
  patient: string;
  appointment: string;
  change: 'cancel' | 'reschedule';
  filler: { system: string; value: string };
  start: string | null;
  end: string | null;
  /** Reschedule: the slot asked for and its times. */
  slot: string | null;
  newStart: string | null;
  newEnd: string | null;
  reason: string | null;
  requestedAt: string;
}

/** What the OMP^O09 of a repeat request says about the item. */
export interface RepeatItem {
  task: string;
  prescriberOrg: string;
  medication: { code?: string; display?: string; system?: string } | undefined;
  dosage: string | undefined;
  note: string | undefined;
  requestedAt: string;
}

const e = (value: string | null | undefined) => escapeHl7(value ?? '');

function mshSegment(type: string, controlId: string, now: Date): string {
  return [
    'MSH',
    '^~\\&',
    'PATHWAYS',
    'PW',
    'EPR',
    '',
    formatHl7Instant(now),
    '',
    type,
    controlId,
    'P',
    '2.5.1',
  ].join('|');
}

/** PID-3: national number first (NH), then the hospital's own numbers (MR). */
export function pidSegment(identifiers: readonly Identifier[]): string {
  const cx = identifiers.flatMap((identifier) => {
    if (!identifier.value) return [];
    if (identifier.system === NHS_SYSTEM) return [`${e(identifier.value)}^^^NHS^NH`];
    if (identifier.system === CHI_SYSTEM) return [`${e(identifier.value)}^^^CHI^NH`];
    if (!identifier.system || identifier.system.includes(':')) return [];
    return [`${e(identifier.value)}^^^${e(identifier.system)}^MR`];
  });
  return `PID|1||${cx.join('~')}`;
}

const hl7Time = (iso: string | null) => (iso ? formatHl7Instant(new Date(iso)) : '');

export function appointmentRequestMessage(
  eventId: string,
  request: AppointmentChangeRequested,
  patientIdentifiers: readonly Identifier[],
  now: Date,
): string {
  const reschedule = request.change === 'reschedule';
  const appointmentId = request.appointment.replace(/^Appointment\//, '');
  const arq = new Array<string>(12).fill('');
  arq[0] = 'ARQ';
  arq[1] = `${e(appointmentId)}^PATHWAYS`;
  arq[2] = `${e(request.filler.value)}^${e(request.filler.system)}`;
  arq[6] = reschedule
    ? 'RESCHED^Patient asked to reschedule^local'
    : `CANCEL^${e(request.reason ?? 'Patient asked to cancel')}^local`;
  arq[11] = reschedule ? `${hl7Time(request.newStart)}^${hl7Time(request.newEnd)}` : '';
  return [
    mshSegment(reschedule ? 'SRM^S03^SRM_S01' : 'SRM^S04^SRM_S01', eventId, now),
    arq.join('|').replace(/\|+$/, ''),
    pidSegment(patientIdentifiers),
    'RGS|1|U',
    ...(reschedule ? [`AIS|1|U||${hl7Time(request.newStart)}`] : []),
  ].join('\r');
}

export function repeatRequestMessage(
  eventId: string,
  item: RepeatItem,
  patientIdentifiers: readonly Identifier[],
  now: Date,
): string {
  const taskId = item.task.replace(/^Task\//, '');
  const orc = new Array<string>(22).fill('');
  orc[0] = 'ORC';
  orc[1] = 'NW';
  orc[2] = `${e(taskId)}^PATHWAYS`;
  orc[9] = hl7Time(item.requestedAt);
  orc[21] = `^^^^^^^^^${e(item.prescriberOrg)}`;
  const medication = item.medication;
  const code = medication
    ? [e(medication.code), e(medication.display), medication.system?.includes('snomed') ? 'SCT' : ''].join(
        '^',
      )
    : '';
  return [
    mshSegment('OMP^O09^OMP_O09', eventId, now),
    pidSegment(patientIdentifiers),
    orc.join('|'),
    `RXO|${code.replace(/\^+$/, '')}`,
    ...(item.dosage ? [`NTE|1|P|Dosage: ${e(item.dosage)}`] : []),
    ...(item.note ? [`NTE|${item.dosage ? 2 : 1}|P|${e(item.note)}`] : []),
  ].join('\r');
}

export type EprVerdict = { accepted: true } | { accepted: false; code: string; reason: string };

/**
 * The EPR's ACK: AA (or CA) = delivered; AE, AR (CE, CR) = refused, with its text (MSA-3, else
 * ERR-8). An ACK that names another message, or is not an ACK, is an error: the send is retried.
 */
export function verdictOf(ack: string, controlId: string): EprVerdict {
  const segments = ack.split(/\r\n?|\n/).filter(Boolean);
  const field = segments[0]?.charAt(3) || '|';
  const msa = segments.find((s) => s.startsWith('MSA'))?.split(field);
  if (!msa) throw new Error('The EPR answered without an MSA segment');
  if (msa[2] !== controlId) throw new Error(`The EPR acknowledged ${msa[2] ?? '(none)'}, not ${controlId}`);
  const code = msa[1] ?? '';
  if (code === 'AA' || code === 'CA') return { accepted: true };
  if (!['AE', 'AR', 'CE', 'CR'].includes(code)) throw new Error(`The EPR answered ${code || '(no code)'}`);
  const err = segments.find((s) => s.startsWith('ERR'))?.split(field);
  const reason = (
    unescapeHl7(msa[3] || err?.[8] || '') || `The hospital refused the request (${code})`
  ).slice(0, 500);
  return { accepted: false, code, reason };
}
