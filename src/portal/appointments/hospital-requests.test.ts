import type { Appointment } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  answered,
  confirmedAtOf,
  eprIdentifier,
  type HospitalRequest,
  hospitalRequestOf,
  settledBy,
  unlinkedRefusal,
  waitingRequestRefusal,
  withConfirmedAt,
  withHospitalRequest,
} from './hospital-requests.js';

const base: Appointment = {
  resourceType: 'Appointment',
  id: 'a1',
  status: 'booked',
  participant: [],
  identifier: [
    {
      system: 'PATHWAYS',
      value: 'x',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }] },
    },
    {
      system: 'EPR',
      value: 'A1',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'FILL' }] },
    },
  ],
};
const request: HospitalRequest = {
  change: 'cancel',
  state: 'sent',
  event: 'e1',
  requestedAt: '2026-12-07T10:00:00.000Z',
};

describe('hospital change requests', () => {
  it('recognises an EPR appointment by its filler identifier; a portal one has none', () => {
    expect(eprIdentifier(base)).toMatchObject({ system: 'EPR', value: 'A1' });
    expect(eprIdentifier({ ...base, identifier: [{ system: 'x', value: 'y' }] })).toBeUndefined();
  });

  it('records, reads and removes a request, keeping other extensions', () => {
    const other = { url: 'https://example.org/other', valueString: 'kept' };
    const withRequest = withHospitalRequest({ ...base, extension: [other] }, { ...request, slot: 'Slot/s2' });
    expect(hospitalRequestOf(withRequest)).toEqual({ ...request, slot: 'Slot/s2' });
    const removed = withHospitalRequest(withRequest, undefined);
    expect(removed.extension).toEqual([other]);
    expect(withHospitalRequest(base, undefined).extension).toBeUndefined();
  });

  it('refuses any online change to an EPR appointment when no EPR link is configured', () => {
    expect(unlinkedRefusal(base, false)?.message).toMatch(/booked by the hospital: call the clinic/);
    expect(unlinkedRefusal(base, true)).toBeUndefined();
    expect(unlinkedRefusal({ ...base, identifier: [] }, false)).toBeUndefined();
  });

  it('refuses another change while one waits, but not after a refusal', () => {
    expect(waitingRequestRefusal(withHospitalRequest(base, request))?.message).toMatch(
      /waiting for the hospital/,
    );
    expect(
      waitingRequestRefusal(withHospitalRequest(base, { ...request, state: 'refused' })),
    ).toBeUndefined();
    expect(waitingRequestRefusal(base)).toBeUndefined();
  });

  it('applies the EPR answer only to the request the message carried', () => {
    const waiting = withHospitalRequest(base, request);
    expect(hospitalRequestOf(answered(waiting, 'e1', { accepted: true })!)?.state).toBe('delivered');
    expect(hospitalRequestOf(answered(waiting, 'e1', { accepted: false, reason: 'No' })!)).toMatchObject({
      state: 'refused',
      reason: 'No',
    });
    expect(answered(waiting, 'other', { accepted: true })).toBeUndefined();
    const delivered = answered(waiting, 'e1', { accepted: true })!;
    expect(answered(delivered, 'e1', { accepted: true })).toBeUndefined();
  });

  it('is settled by S15/S17 always, by S13 for a reschedule, not by S12/S14', () => {
    expect(settledBy(request, 'S15')).toBe(true);
    expect(settledBy(request, 'S17')).toBe(true);
    expect(settledBy(request, 'S13')).toBe(false);
    expect(settledBy({ ...request, change: 'reschedule' }, 'S13')).toBe(true);
    expect(settledBy({ ...request, change: 'reschedule' }, 'S14')).toBe(false);
    expect(settledBy(undefined, 'S15')).toBe(false);
  });

  it('keeps one confirmed-at time', () => {
    const once = withConfirmedAt(base, '2026-12-01T00:00:00.000Z');
    const twice = withConfirmedAt(once, '2026-12-02T00:00:00.000Z');
    expect(confirmedAtOf(twice)).toBe('2026-12-02T00:00:00.000Z');
    expect(twice.extension).toHaveLength(1);
  });
});
