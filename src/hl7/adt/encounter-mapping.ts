/**
 * PV1 (with the event's trigger) → the patient's Encounter (pure): admit, register, pre-admit,
 * transfer, discharge and their cancels. The visit number (PV1-19, else the account number PID-18)
 * is the Encounter's identifier, how later messages about the same stay find it.
 */
import type { Coding, Encounter, EncounterLocation, Identifier } from '@medplum/fhirtypes';
import type { SegmentReader } from '../message/fields.js';
import { contentError } from '../message/hl7-error.js';
import { hl7Instant } from '../message/hl7-time.js';
import { ODS_SYSTEM } from './patient-mapping.js';

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const V2_0004 = 'http://terminology.hl7.org/CodeSystem/v2-0004';

const CLASS: Record<string, Coding> = {
  I: { system: ACT_CODE, code: 'IMP', display: 'inpatient encounter' },
  B: { system: ACT_CODE, code: 'IMP', display: 'inpatient encounter' },
  O: { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
  R: { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
  E: { system: ACT_CODE, code: 'EMER', display: 'emergency' },
  P: { system: ACT_CODE, code: 'PRENC', display: 'pre-admission' },
};

/** ADT triggers that change an Encounter (the others change the Patient alone). */
export const ENCOUNTER_TRIGGERS = new Set(['A01', 'A02', 'A03', 'A04', 'A05', 'A11', 'A12', 'A13']);

export interface EncounterFacts {
  identifier: Identifier;
  class: Coding;
  location?: string;
  priorLocation?: string;
  admitted?: string;
  discharged?: string;
  attending?: string;
}

function locationText(pv1: SegmentReader, field: number): string | undefined {
  const pl = pv1.repetitions(field)[0];
  if (!pl) return undefined;
  const parts = [pl.component(1), pl.component(2), pl.component(3)].filter(Boolean);
  const facility = pl.component(4);
  const text = parts.join(' / ');
  return text ? (facility ? `${text} (${facility})` : text) : undefined;
}

export function visitIdentifier(
  pv1: SegmentReader | undefined,
  pid: SegmentReader,
  facility: string,
): Identifier | undefined {
  const cx = pv1?.repetitions(19)[0] ?? pid.repetitions(18)[0];
  const value = cx?.component(1);
  if (!cx || !value) return undefined;
  const authority = cx.component(4, 1) || facility;
  return { system: `urn:hl7-visit:${encodeURIComponent(authority)}`, value };
}

export function encounterFacts(
  pv1: SegmentReader | undefined,
  pid: SegmentReader,
  facility: string,
): EncounterFacts {
  if (!pv1) throw contentError('The PV1 segment is missing', { segment: 'PV1' });
  const identifier = visitIdentifier(pv1, pid, facility);
  if (!identifier) throw contentError('PV1-19 (visit number) is empty', { segment: 'PV1', field: 19 });
  const patientClass = pv1.text(2).toUpperCase();
  const facts: EncounterFacts = {
    identifier,
    class: CLASS[patientClass] ?? { system: V2_0004, code: patientClass || 'U' },
  };
  const location = locationText(pv1, 3);
  if (location) facts.location = location;
  const prior = locationText(pv1, 6);
  if (prior) facts.priorLocation = prior;
  const admitted = hl7Instant(pv1.text(44));
  if (admitted) facts.admitted = admitted;
  const discharged = hl7Instant(pv1.text(45));
  if (discharged) facts.discharged = discharged;
  const attending = [pv1.text(7, 6), pv1.text(7, 3), pv1.text(7, 2)].filter(Boolean).join(' ');
  if (attending) facts.attending = attending;
  return facts;
}

function withLocation(encounter: Encounter, display: string | undefined, at: string): void {
  if (!display) return;
  const locations: EncounterLocation[] = (encounter.location ?? []).map((l) =>
    l.status === 'active' ? { ...l, status: 'completed', period: { ...l.period, end: at } } : l,
  );
  const current = encounter.location?.find((l) => l.status === 'active');
  if (current?.location.display === display) return;
  locations.push({ location: { display }, status: 'active', period: { start: at } });
  encounter.location = locations;
}

/**
 * The stored Encounter after `trigger`. `eventTime` is EVN-2 (or MSH-7): when the change happened
 * in the hospital, used where PV1 gives no time of its own.
 */
export function applyEncounterEvent(
  stored: Encounter | undefined,
  trigger: string,
  facts: EncounterFacts,
  context: { patient: string; facility: string; odsCode?: string; eventTime: string },
): Encounter {
  const encounter: Encounter = stored
    ? structuredClone(stored)
    : {
        resourceType: 'Encounter',
        status: 'planned',
        class: facts.class,
        identifier: [facts.identifier],
        subject: { reference: context.patient },
        ...(context.odsCode
          ? { serviceProvider: { identifier: { system: ODS_SYSTEM, value: context.odsCode } } }
          : {}),
      };
  encounter.class = facts.class;
  if (facts.attending) encounter.participant = [{ individual: { display: facts.attending } }];
  const at = context.eventTime;
  switch (trigger) {
    case 'A01':
    case 'A04':
      encounter.status = 'in-progress';
      encounter.period = { ...encounter.period, start: facts.admitted ?? encounter.period?.start ?? at };
      withLocation(encounter, facts.location, facts.admitted ?? at);
      break;
    case 'A05':
      encounter.status = 'planned';
      if (facts.admitted) encounter.period = { ...encounter.period, start: facts.admitted };
      break;
    case 'A02':
      encounter.status = 'in-progress';
      withLocation(encounter, facts.location, at);
      break;
    case 'A03': {
      encounter.status = 'finished';
      const end = facts.discharged ?? at;
      encounter.period = { ...encounter.period, end };
      encounter.location = (encounter.location ?? []).map((l) =>
        l.status === 'active' ? { ...l, status: 'completed', period: { ...l.period, end } } : l,
      );
      break;
    }
    case 'A11':
      encounter.status = 'cancelled';
      break;
    case 'A12': {
      // Cancel transfer: the last move is undone; the location before it is current again.
      const locations = encounter.location ?? [];
      const last = locations.at(-1);
      if (last?.status === 'active' && locations.length > 1) {
        const rest = locations.slice(0, -1);
        const previous = rest.at(-1)!;
        const { end: _end, ...period } = previous.period ?? {};
        rest[rest.length - 1] = { ...previous, status: 'active', period };
        encounter.location = rest;
      } else if (facts.priorLocation) {
        encounter.location = [
          { location: { display: facts.priorLocation }, status: 'active', period: { start: at } },
        ];
      }
      break;
    }
    case 'A13': {
      encounter.status = 'in-progress';
      if (encounter.period) {
        const { end: _end, ...period } = encounter.period;
        encounter.period = period;
      }
      const last = encounter.location?.at(-1);
      if (last) {
        const { end: _end, ...period } = last.period ?? {};
        encounter.location = [
          ...(encounter.location ?? []).slice(0, -1),
          { ...last, status: 'active', period },
        ];
      }
      break;
    }
    default:
      // A08 and the others: the stay's details (class, location) without a change of state.
      if (!stored && facts.admitted) encounter.period = { start: facts.admitted };
      if (facts.location) withLocation(encounter, facts.location, at);
      if (!stored) encounter.status = 'in-progress';
  }
  return encounter;
}
