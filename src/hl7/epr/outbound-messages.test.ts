import { describe, expect, it } from 'vitest';
import { parseFrame } from '../message/parse.js';
import {
  type AppointmentChangeRequested,
  appointmentRequestMessage,
  repeatRequestMessage,
  verdictOf,
} from './outbound-messages.js';

const EVENT = '0b6c1c2e-5a43-4c8e-9d7f-3f0e2d1a9b10';
const NOW = new Date('2026-12-07T10:00:00Z');
const IDS = [
  { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' },
  { system: 'RXX01', value: 'M100001' },
  { system: 'urn:uuid:x', value: 'ignored' },
];
const request: AppointmentChangeRequested = {
  patient: 'Patient/p1',
  appointment: 'Appointment/a1',
  change: 'cancel',
  filler: { system: 'EPR', value: 'A5001' },
  start: '2027-03-15T10:30:00.000Z',
  end: '2027-03-15T10:50:00.000Z',
  slot: null,
  newStart: null,
  newEnd: null,
  reason: 'Away | on holiday',
  requestedAt: '2026-12-07T09:59:00.000Z',
};

const segmentsOf = (text: string) => text.split('\r').map((line) => line.split('|'));

describe('messages to the EPR', () => {
  it('SRM^S04 asks to cancel: MSH-10 is the event id, ARQ names both ids, PID the patient, escaped reason', () => {
    const text = appointmentRequestMessage(EVENT, request, IDS, NOW);
    const parsed = parseFrame(Buffer.from(text));
    expect(parsed.header).toMatchObject({ messageType: 'SRM', triggerEvent: 'S04', controlId: EVENT });
    const [msh, arq, pid] = segmentsOf(text);
    expect(msh?.slice(2, 7)).toEqual(['PATHWAYS', 'PW', 'EPR', '', '20261207100000+0000']);
    expect(arq?.slice(1, 3)).toEqual(['a1^PATHWAYS', 'A5001^EPR']);
    expect(arq?.[6]).toBe('CANCEL^Away \\F\\ on holiday^local');
    expect(pid?.[3]).toBe('9434765919^^^NHS^NH~M100001^^^RXX01^MR');
  });

  it('SRM^S03 asks to reschedule to the slot’s times (ARQ-11, AIS-4)', () => {
    const text = appointmentRequestMessage(
      EVENT,
      {
        ...request,
        change: 'reschedule',
        slot: 'Slot/s2',
        newStart: '2027-03-16T09:00:00.000Z',
        newEnd: '2027-03-16T09:20:00.000Z',
        reason: null,
      },
      IDS,
      NOW,
    );
    expect(parseFrame(Buffer.from(text)).header.triggerEvent).toBe('S03');
    const segments = segmentsOf(text);
    expect(segments[1]?.[11]).toBe('20270316090000+0000^20270316092000+0000');
    expect(segments.find((s) => s[0] === 'AIS')?.[4]).toBe('20270316090000+0000');
  });

  it('OMP^O09 carries the repeat request: ORC-2 the Task, RXO-1 the medicine, the patient’s note', () => {
    const text = repeatRequestMessage(
      EVENT,
      {
        task: 'Task/t1',
        prescriberOrg: 'A83008',
        medication: {
          code: '322236009',
          display: 'Paracetamol 500mg tablets',
          system: 'http://snomed.info/sct',
        },
        dosage: 'Two tablets four times a day',
        note: 'Running low',
        requestedAt: '2026-12-07T09:00:00.000Z',
      },
      IDS,
      NOW,
    );
    expect(parseFrame(Buffer.from(text)).header).toMatchObject({
      messageType: 'OMP',
      triggerEvent: 'O09',
      controlId: EVENT,
    });
    const segments = segmentsOf(text);
    const orc = segments.find((s) => s[0] === 'ORC')!;
    expect([orc[1], orc[2], orc[9], orc[21]]).toEqual([
      'NW',
      't1^PATHWAYS',
      '20261207090000+0000',
      '^^^^^^^^^A83008',
    ]);
    expect(segments.find((s) => s[0] === 'RXO')?.[1]).toBe('322236009^Paracetamol 500mg tablets^SCT');
    expect(segments.filter((s) => s[0] === 'NTE').map((s) => s[3])).toEqual([
      'Dosage: Two tablets four times a day',
      'Running low',
    ]);
  });

  it('reads the answer: AA delivered, AE/AR refused with the text, another control id or no MSA is an error', () => {
    const ack = (code: string, id = EVENT, text = '') =>
      `MSH|^~\\&|EPR|RXX01|PATHWAYS|PW|20261207||ACK|X1|P|2.5.1\rMSA|${code}|${id}|${text}`;
    expect(verdictOf(ack('AA'), EVENT)).toEqual({ accepted: true });
    expect(verdictOf(ack('AE', EVENT, 'Clinic closed \\T\\ moved'), EVENT)).toEqual({
      accepted: false,
      code: 'AE',
      reason: 'Clinic closed & moved',
    });
    expect(verdictOf(ack('AR'), EVENT)).toMatchObject({
      accepted: false,
      reason: 'The hospital refused the request (AR)',
    });
    expect(() => verdictOf(ack('AA', 'OTHER'), EVENT)).toThrow(/acknowledged OTHER/);
    expect(() => verdictOf('MSH|^~\\&|EPR', EVENT)).toThrow(/without an MSA/);
  });
});
