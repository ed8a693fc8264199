/**
 * The Provenance of one applied message: which resource versions it wrote, when, who sent it
 * (MSH-3 at MSH-4) and which message it was (MSH-10, plus the message log row it is kept in). It is
 * written in the message's own transaction, so a resource version never exists without it; a
 * duplicate writes nothing and so gets none.
 */
import type { Organization, Provenance, Reference } from '@medplum/fhirtypes';
import { ODS_SYSTEM } from '../../platform/fhir/read-access/organisation-sql.js';
import type { MessageHeader } from '../message/parse.js';

/** Identifier systems for what a v2 header names (there is no national system for them). */
export const HL7_APPLICATION_SYSTEM = 'urn:pathways:hl7:sending-application';
export const HL7_FACILITY_SYSTEM = 'urn:pathways:hl7:sending-facility';
export const HL7_CONTROL_ID_SYSTEM = 'urn:pathways:hl7:message-control-id';
const V2_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0003';
const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';

export interface ProvenanceInput {
  header: MessageHeader;
  /** `Type/id/_history/n` of every version the message wrote, in the order written. */
  versions: readonly string[];
  /** hl7_message.id: where the raw message is kept. */
  messageId: string;
  /** When the change happened at the hospital (EVN-2 / MSH-7). */
  eventTime: string;
  /** MSH-4.1 and its ODS code when it is one. */
  facility: string;
  odsCode: string | undefined;
  recorded: Date;
}

/** First component of a field as sent (MSH-3/4 may carry a namespace and universal id). */
function first(field: string): string {
  return field.split('^')[0]!.trim();
}

export function messageProvenance(input: ProvenanceInput): Provenance {
  const { header } = input;
  const application = first(header.sendingApplication) || 'unknown';
  const onBehalfOf: Reference<Organization> | undefined = input.facility
    ? {
        identifier: input.odsCode
          ? { system: ODS_SYSTEM, value: input.odsCode }
          : { system: HL7_FACILITY_SYSTEM, value: input.facility },
        display: input.facility,
      }
    : undefined;
  const type = `${header.messageType}^${header.triggerEvent}`;
  return {
    resourceType: 'Provenance',
    target: [...new Set(input.versions)].map((reference) => ({ reference })),
    occurredDateTime: input.eventTime,
    recorded: input.recorded.toISOString(),
    activity: {
      coding: [{ system: V2_EVENT_TYPE, code: header.triggerEvent }],
      text: `HL7 v2 ${type}`,
    },
    agent: [
      {
        type: { coding: [{ system: PARTICIPANT_TYPE, code: 'author' }] },
        who: {
          identifier: { system: HL7_APPLICATION_SYSTEM, value: application },
          display: input.facility ? `${application} at ${input.facility}` : application,
        },
        ...(onBehalfOf ? { onBehalfOf } : {}),
      },
    ],
    entity: [
      {
        role: 'source',
        what: {
          identifier: { system: HL7_CONTROL_ID_SYSTEM, value: header.controlId },
          display: `HL7 v2 ${type} message ${header.controlId} (message log ${input.messageId})`,
        },
      },
    ],
  };
}
