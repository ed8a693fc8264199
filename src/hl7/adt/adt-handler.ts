/**
 * ADT A01 A02 A03 A04 A05 A08 A11 A12 A13 A28 A31: the Patient from PID/PD1 and, for the
 * triggers about a stay, its Encounter from PV1. Messages about one patient are serialised on its
 * identifier; a message older than the stored data (EVN-2 / MSH-7) does not overwrite it.
 */
import type { Encounter } from '@medplum/fhirtypes';
import { type MessageHandler, segment } from '../handler.js';
import { findByIdentifier, isStale, lockKey, writeResource } from '../inbox/resource-writer.js';
import { contentError } from '../message/hl7-error.js';
import {
  applyEncounterEvent,
  ENCOUNTER_TRIGGERS,
  encounterFacts,
  visitIdentifier,
} from './encounter-mapping.js';
import { upsertPatient } from './patient-store.js';

export const ADT_PATIENT_TRIGGERS = [
  'A01',
  'A02',
  'A03',
  'A04',
  'A05',
  'A08',
  'A11',
  'A12',
  'A13',
  'A28',
  'A31',
];

export const adtHandler: MessageHandler = {
  messageType: 'ADT',
  triggers: new Set(ADT_PATIENT_TRIGGERS),
  async apply(context) {
    const trigger = context.parsed.header.triggerEvent;
    const patient = await upsertPatient(context);
    const pid = segment(context.parsed, 'PID')!;
    const pv1 = segment(context.parsed, 'PV1');
    const hasVisit = visitIdentifier(pv1, pid, context.facility) !== undefined;
    if (!ENCOUNTER_TRIGGERS.has(trigger) && !(trigger === 'A08' && hasVisit)) return;
    const facts = encounterFacts(pv1, pid, context.facility);
    await lockKey(context.tx, `${facts.identifier.system}|${facts.identifier.value}`);
    const stored = await findByIdentifier<Encounter>(
      context.tx,
      'Encounter',
      facts.identifier.system!,
      facts.identifier.value!,
    );
    if (stored?.id && (await isStale(context.tx, `Encounter/${stored.id}`, context.eventTime))) return;
    if (!stored && ['A02', 'A03', 'A11', 'A12', 'A13'].includes(trigger)) {
      throw contentError(
        `No stay with visit number ${facts.identifier.value} (PV1-19) is known`,
        { segment: 'PV1', field: 19 },
        204,
      );
    }
    const encounter = applyEncounterEvent(stored, trigger, facts, {
      patient: `Patient/${patient.id}`,
      facility: context.facility,
      eventTime: context.eventTime,
      ...(context.odsCode ? { odsCode: context.odsCode } : {}),
    });
    await writeResource(context, encounter);
  },
};
