/**
 * SIU (scheduling) segments → the facts of an Appointment and the Location, Schedule and Slot it
 * is in (pure). SCH names the appointment (SCH-2 filler id, else SCH-1), its reason, type, the
 * clinic's phone (SCH-17) and status (SCH-25, else the trigger); TQ1, SCH-11 or the first resource
 * segment (AIS, AIL, AIG, AIP) its times; AIL its place; AIG/AIP who the patient will see.
 */
import type {
  Appointment,
  AppointmentParticipant,
  CodeableConcept,
  Identifier,
  Location,
  Schedule,
  Slot,
} from '@medplum/fhirtypes';
import { FILLER_TYPE, IDENTIFIER_TYPE_SYSTEM, withConfirmedAt } from '../../portal/index.js';
import { codeableConcept } from '../message/coded.js';
import type { Repetition, SegmentReader } from '../message/fields.js';
import { CONDITION, contentError } from '../message/hl7-error.js';
import { hl7Instant } from '../message/hl7-time.js';

export const SIU_TRIGGERS = ['S12', 'S13', 'S14', 'S15', 'S17', 'S26'];

export interface SiuSegments {
  sch: SegmentReader;
  tq1?: SegmentReader | undefined;
  ais: SegmentReader[];
  ail: SegmentReader[];
  aig: SegmentReader[];
  aip: SegmentReader[];
}

export interface PlaceFacts {
  identifier: Identifier;
  name: string;
}

export interface AppointmentFacts {
  filler: Identifier;
  placer: Identifier | undefined;
  status: Appointment['status'];
  start: string | undefined;
  end: string | undefined;
  appointmentType: CodeableConcept | undefined;
  reason: CodeableConcept | undefined;
  service: CodeableConcept | undefined;
  /** SCH-6: why the EPR made this change (the cancellation reason of an S15). */
  eventReason: CodeableConcept | undefined;
  location: PlaceFacts | undefined;
  /** The resource the appointment is booked against: its Schedule. */
  schedule: PlaceFacts | undefined;
  /** Clinicians the patient will see (AIG, AIP), as display names. */
  clinicians: string[];
  /** The clinic's phone number (SCH-17 filler contact phone). */
  phone: string | undefined;
}

/** HL7 table 0278 (filler status codes). */
const BY_FILLER_STATUS: Record<string, Appointment['status']> = {
  PENDING: 'pending',
  WAITLIST: 'waitlist',
  BOOKED: 'booked',
  BLOCKED: 'booked',
  OVERBOOK: 'booked',
  STARTED: 'arrived',
  COMPLETE: 'fulfilled',
  CANCELLED: 'cancelled',
  DC: 'cancelled',
  DELETED: 'entered-in-error',
  NOSHOW: 'noshow',
};

/** What the trigger itself says, whatever SCH-25 says: a cancel is a cancel. */
const BY_TRIGGER: Record<string, Appointment['status']> = {
  S15: 'cancelled',
  S17: 'entered-in-error',
  S26: 'noshow',
};

export function statusOf(trigger: string, fillerStatus: string): Appointment['status'] {
  return BY_TRIGGER[trigger] ?? BY_FILLER_STATUS[fillerStatus.toUpperCase()] ?? 'booked';
}

/** EI (entity id^namespace^universal id^type): the id and its assigning authority. */
function entityIdentifier(
  ei: Repetition | undefined,
  facility: string,
  type: string,
): Identifier | undefined {
  const value = ei?.component(1);
  if (!ei || !value) return undefined;
  return {
    type: { coding: [{ system: IDENTIFIER_TYPE_SYSTEM, code: type }] },
    system: ei.component(2) || ei.component(3) || facility,
    value,
  };
}

const UNIT_MS: Record<string, number> = {
  S: 1_000,
  SEC: 1_000,
  MIN: 60_000,
  M: 60_000,
  H: 3_600_000,
  HR: 3_600_000,
  D: 86_400_000,
};

/** A duration (number + units CE; minutes by default) added to `start`. */
function endAfter(start: string | undefined, amount: string, units: string): string | undefined {
  if (!start || !/^\d+(\.\d+)?$/.test(amount)) return undefined;
  const ms = UNIT_MS[units.toUpperCase()] ?? 60_000;
  return new Date(Date.parse(start) + Number(amount) * ms).toISOString();
}

interface Timing {
  start: string | undefined;
  end: string | undefined;
}

/** [segment, start field, duration field] of each resource segment type. */
const RESOURCE_TIMES: Array<[keyof Omit<SiuSegments, 'sch' | 'tq1'>, number, number]> = [
  ['ais', 4, 7],
  ['ail', 6, 9],
  ['aig', 8, 11],
  ['aip', 6, 9],
];

export function timingOf(segments: SiuSegments): Timing {
  const { sch, tq1 } = segments;
  const candidates: Timing[] = [
    { start: hl7Instant(tq1?.text(7)), end: hl7Instant(tq1?.text(8)) },
    { start: hl7Instant(sch.text(11, 4)), end: hl7Instant(sch.text(11, 5)) },
  ];
  for (const [name, startField, durationField] of RESOURCE_TIMES) {
    for (const reader of segments[name]) {
      const start = hl7Instant(reader.text(startField));
      candidates.push({
        start,
        end: endAfter(start, reader.text(durationField), reader.text(durationField + 1)),
      });
    }
  }
  const start = candidates.find((candidate) => candidate.start)?.start;
  const end =
    candidates.find((candidate) => candidate.start === start && candidate.end)?.end ??
    endAfter(start, sch.text(9), sch.text(10));
  return { start, end };
}

/** PL (point of care^room^bed^facility^…^description in PL-9) → a place. */
function placeOf(pl: Repetition | undefined, facility: string): PlaceFacts | undefined {
  if (!pl) return undefined;
  const parts = [pl.component(1), pl.component(2), pl.component(3)].filter(Boolean);
  if (parts.length === 0) return undefined;
  const authority = pl.component(4) || facility;
  return {
    identifier: { system: authority, value: parts.join('-') },
    name: pl.component(9) || `${parts.join(' / ')} (${authority})`,
  };
}

/** XCN (id^family^given^…^prefix) → "Dr Rhiannon Jones". */
function personName(xcn: Repetition): string {
  const name = [xcn.component(6), xcn.component(3), xcn.component(2)].filter(Boolean).join(' ');
  return name || xcn.component(1);
}

export function appointmentFacts(segments: SiuSegments, trigger: string, facility: string): AppointmentFacts {
  const { sch } = segments;
  const placer = entityIdentifier(sch.repetitions(1)[0], facility, 'PLAC');
  const fillerEi = entityIdentifier(sch.repetitions(2)[0], facility, FILLER_TYPE);
  const filler = fillerEi ?? (placer ? { ...placer, type: fillerTypeOnly() } : undefined);
  if (!filler) {
    throw contentError(
      'SCH-2 (filler appointment id) and SCH-1 (placer appointment id) are both empty',
      { segment: 'SCH', field: 2 },
      CONDITION.requiredFieldMissing,
    );
  }
  const { start, end } = timingOf(segments);
  if (start && end && Date.parse(end) < Date.parse(start)) {
    throw contentError('The appointment ends before it starts', { segment: 'SCH', field: 11 });
  }
  const location = segments.ail.map((ail) => placeOf(ail.repetitions(3)[0], facility)).find(Boolean);
  const clinicians = [
    ...segments.aig.flatMap((aig) => {
      const id = aig.repetitions(3)[0];
      return id ? [id.component(2) || id.component(1)] : [];
    }),
    ...segments.aip.flatMap((aip) => aip.repetitions(3).slice(0, 1).map(personName)),
  ].filter(Boolean);
  // AIG-3 is a CWE (its third component a coding system); AIP-3 an XCN (XCN-9 its authority).
  const aig = segments.aig[0]?.repetitions(3)[0];
  const aip = segments.aip[0]?.repetitions(3)[0];
  const resource = aig?.component(1)
    ? { id: aig.component(1), authority: facility }
    : aip?.component(1)
      ? { id: aip.component(1), authority: aip.component(9) || facility }
      : undefined;
  const schedule =
    location ??
    (resource
      ? { identifier: { system: resource.authority, value: resource.id }, name: clinicians[0] ?? resource.id }
      : undefined);
  return {
    filler,
    placer: fillerEi && placer && placer.value !== fillerEi.value ? placer : undefined,
    status: statusOf(trigger, sch.text(25)),
    start,
    end,
    appointmentType: codeableConcept(sch.repetitions(8)[0]),
    reason: codeableConcept(sch.repetitions(7)[0]),
    service: codeableConcept(segments.ais[0]?.repetitions(3)[0]),
    eventReason: codeableConcept(sch.repetitions(6)[0]),
    location,
    schedule,
    clinicians: [...new Set(clinicians)],
    phone: sch.text(17) || undefined,
  };
}

function fillerTypeOnly(): CodeableConcept {
  return { coding: [{ system: IDENTIFIER_TYPE_SYSTEM, code: FILLER_TYPE }] };
}

export interface AppointmentLinks {
  patient: string;
  location?: { reference: string; display: string };
  slot?: string;
  /** When the hospital said this (EVN-2 / MSH-7): the portal's "last confirmed by the hospital". */
  confirmedAt: string;
}

/**
 * The Appointment after this message: the stored one (its id, and what the message leaves out,
 * as an S15 without times) with what the message says. A status without times is refused: FHIR
 * needs both for a booked appointment.
 */
export function applyAppointmentFacts(
  stored: Appointment | undefined,
  facts: AppointmentFacts,
  links: AppointmentLinks,
): Appointment {
  const start = facts.start ?? stored?.start;
  const end = facts.end ?? stored?.end;
  const timeless = ['proposed', 'cancelled', 'waitlist', 'entered-in-error'].includes(facts.status);
  if ((!start || !end) && !timeless) {
    throw contentError(
      'The appointment has no start and end time (TQ1-7/8, SCH-11, or AIS-4 with its duration)',
      { segment: 'SCH', field: 11 },
      CONDITION.requiredFieldMissing,
    );
  }
  const participant: AppointmentParticipant[] = [
    { actor: { reference: links.patient }, status: 'accepted' },
    ...(links.location ? [{ actor: links.location, status: 'accepted' as const }] : []),
    ...facts.clinicians.map((display) => ({ actor: { display }, status: 'accepted' as const })),
  ];
  const description = facts.service?.text ?? facts.reason?.text ?? stored?.description;
  const appointment: Appointment = {
    resourceType: 'Appointment',
    ...(stored?.id ? { id: stored.id } : {}),
    ...(stored?.extension ? { extension: stored.extension } : {}),
    identifier: [facts.filler, ...(facts.placer ? [facts.placer] : [])],
    status: facts.status,
    ...(facts.status === 'cancelled'
      ? {
          cancelationReason: facts.eventReason ??
            stored?.cancelationReason ?? { text: 'Cancelled by the hospital' },
        }
      : {}),
    ...(facts.service
      ? { serviceType: [facts.service] }
      : stored?.serviceType
        ? { serviceType: stored.serviceType }
        : {}),
    ...(facts.appointmentType
      ? { appointmentType: facts.appointmentType }
      : stored?.appointmentType
        ? { appointmentType: stored.appointmentType }
        : {}),
    ...(facts.reason
      ? { reasonCode: [facts.reason] }
      : stored?.reasonCode
        ? { reasonCode: stored.reasonCode }
        : {}),
    ...(description ? { description } : {}),
    ...(start && end
      ? {
          start,
          end,
          minutesDuration: Math.max(1, Math.round((Date.parse(end) - Date.parse(start)) / 60_000)),
        }
      : {}),
    ...(links.slot ? { slot: [{ reference: links.slot }] } : stored?.slot ? { slot: stored.slot } : {}),
    participant,
  };
  return withConfirmedAt(appointment, links.confirmedAt);
}

export function locationOf(
  stored: Location | undefined,
  place: PlaceFacts,
  phone: string | undefined,
): Location {
  const telecom = phone
    ? [{ system: 'phone' as const, value: phone, use: 'work' as const }]
    : stored?.telecom;
  return {
    resourceType: 'Location',
    ...(stored?.id ? { id: stored.id } : {}),
    identifier: [place.identifier],
    status: 'active',
    name: place.name,
    ...(telecom ? { telecom } : {}),
    ...(stored?.address ? { address: stored.address } : {}),
  };
}

export function scheduleOf(
  stored: Schedule | undefined,
  place: PlaceFacts,
  actor: string | undefined,
  service: CodeableConcept | undefined,
): Schedule {
  return {
    resourceType: 'Schedule',
    ...(stored?.id ? { id: stored.id } : {}),
    identifier: [place.identifier],
    active: true,
    actor: [actor ? { reference: actor, display: place.name } : { display: place.name }],
    ...(service
      ? { serviceType: [service] }
      : stored?.serviceType
        ? { serviceType: stored.serviceType }
        : {}),
  };
}

/**
 * The one Slot an EPR appointment is booked in: its schedule and times. Whether it is busy is the
 * booking rules' (they take it while the appointment holds it and give it back once it does not),
 * so a stored Slot keeps its status and a new one starts free.
 */
export function slotOf(
  stored: Slot | undefined,
  appointment: Appointment,
  filler: Identifier,
  schedule: string,
): Slot | undefined {
  if (!appointment.start || !appointment.end) return undefined;
  return {
    resourceType: 'Slot',
    ...(stored?.id ? { id: stored.id } : {}),
    identifier: [{ system: filler.system!, value: filler.value! }],
    schedule: { reference: schedule },
    status: stored?.status ?? 'free',
    start: appointment.start,
    end: appointment.end,
  };
}
