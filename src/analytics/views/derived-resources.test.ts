/** Dispensing state and notification rows as the FHIR resources the shipped views read. */
import { describe, expect, it } from 'vitest';
import { communicationOf, dispensesOf, ORDERED_AT_EXTENSION } from './derived-resources.js';

describe('dispensesOf', () => {
  const row = {
    short_form_id: 'DE0003-A83008-00001X',
    patient: 'Patient/p1',
    dispenser: 'FCG71',
    last_dispensed_at: '2026-03-02T10:00:00Z',
    created_at: '2026-03-01T09:00:00Z',
    state: {
      dispenses: [
        {
          id: 'dn-1',
          lines: [
            { itemId: 'item-a', type: 'dispensed', quantity: 6 },
            { itemId: 'item-b', type: 'owing', quantity: 0 },
          ],
        },
      ],
    },
  };
  const code = { coding: [{ system: 'http://snomed.info/sct', code: '324252006' }] };

  it('makes a MedicationDispense per line with the prescription, pharmacy, type and medicine', () => {
    const [first, second] = dispensesOf(row, (itemId) => (itemId === 'item-a' ? code : undefined));
    expect(first).toMatchObject({
      resourceType: 'MedicationDispense',
      status: 'completed',
      type: { coding: [{ code: '0001' }] },
      medicationCodeableConcept: code,
      subject: { reference: 'Patient/p1' },
      performer: [{ actor: { identifier: { value: 'FCG71' } } }],
      authorizingPrescription: [
        { reference: 'MedicationRequest/item-a', identifier: { value: row.short_form_id } },
      ],
      quantity: { value: 6 },
      whenHandedOver: '2026-03-02T10:00:00.000Z',
      extension: [{ url: ORDERED_AT_EXTENSION, valueDateTime: '2026-03-01T09:00:00.000Z' }],
    });
    expect(second).toMatchObject({ status: 'declined', type: { coding: [{ code: '0004' }] } });
    expect(second!.medicationCodeableConcept).toEqual({ text: 'unknown' });
  });

  it('gives stable, valid and distinct ids', () => {
    const ids = dispensesOf(row, () => undefined).map((dispense) => dispense.id!);
    expect(ids).toEqual(dispensesOf(row, () => undefined).map((dispense) => dispense.id));
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
  });
});

describe('communicationOf', () => {
  it('shows template, outcome, channel and attempts', () => {
    const communication = communicationOf({
      id: '6f0c1a52-8a4e-4c8e-9a57-6d1f3c2b9e01',
      patient: 'Patient/p1',
      template: 'prescription-ready',
      state: 'delivered',
      channel: 'sms',
      attempts: 1,
      created_at: '2026-03-01T09:00:00Z',
      finished_at: '2026-03-01T09:01:00Z',
    });
    expect(communication).toMatchObject({
      id: 'notification-6f0c1a52-8a4e-4c8e-9a57-6d1f3c2b9e01',
      status: 'completed',
      category: [{ coding: [{ code: 'prescription-ready' }] }],
      statusReason: { coding: [{ code: 'delivered' }] },
      medium: [{ coding: [{ code: 'SMSWRIT' }] }],
      subject: { reference: 'Patient/p1' },
      received: '2026-03-01T09:01:00.000Z',
    });
  });
});
