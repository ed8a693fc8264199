import { describe, expect, it } from 'vitest';
import type { MessageHeader } from '../message/parse.js';
import { HL7_APPLICATION_SYSTEM, HL7_CONTROL_ID_SYSTEM, messageProvenance } from './provenance.js';

const header: MessageHeader = {
  sendingApplication: 'EPR',
  sendingFacility: 'RXX01',
  receivingApplication: 'PATHWAYS',
  receivingFacility: 'PW',
  dateTime: '20260105093000',
  messageType: 'ADT',
  triggerEvent: 'A01',
  structure: 'ADT_A01',
  controlId: 'MSG42',
  processingId: 'P',
  version: '2.5.1',
  acceptAckType: '',
  applicationAckType: '',
  characterSet: '',
};

describe('messageProvenance', () => {
  const base = {
    header,
    versions: ['Patient/p1/_history/3', 'Encounter/e1/_history/1', 'Patient/p1/_history/3'],
    messageId: '17',
    eventTime: '2026-01-05T09:30:00.000Z',
    facility: 'RXX01',
    odsCode: 'RXX01',
    recorded: new Date('2026-01-05T09:30:01.250Z'),
  };

  it('targets each version written once, records when, and names the sender and the message', () => {
    const provenance = messageProvenance(base);
    expect(provenance.target).toEqual([
      { reference: 'Patient/p1/_history/3' },
      { reference: 'Encounter/e1/_history/1' },
    ]);
    expect(provenance.recorded).toBe('2026-01-05T09:30:01.250Z');
    expect(provenance.occurredDateTime).toBe('2026-01-05T09:30:00.000Z');
    expect(provenance.agent).toEqual([
      expect.objectContaining({
        who: { identifier: { system: HL7_APPLICATION_SYSTEM, value: 'EPR' }, display: 'EPR at RXX01' },
        onBehalfOf: {
          identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'RXX01' },
          display: 'RXX01',
        },
      }),
    ]);
    expect(provenance.entity).toEqual([
      {
        role: 'source',
        what: {
          identifier: { system: HL7_CONTROL_ID_SYSTEM, value: 'MSG42' },
          display: 'HL7 v2 ADT^A01 message MSG42 (message log 17)',
        },
      },
    ]);
    expect(provenance.activity?.coding?.[0]?.code).toBe('A01');
  });

  it('keeps a facility that is not an ODS code under its own system, and only the namespace of MSH-3', () => {
    const provenance = messageProvenance({
      ...base,
      header: { ...header, sendingApplication: 'LAB^1.2.3^ISO' },
      facility: 'General Hospital',
      odsCode: undefined,
    });
    expect(provenance.agent[0]!.who.identifier?.value).toBe('LAB');
    expect(provenance.agent[0]!.onBehalfOf?.identifier).toEqual({
      system: 'urn:pathways:hl7:sending-facility',
      value: 'General Hospital',
    });
  });
});
