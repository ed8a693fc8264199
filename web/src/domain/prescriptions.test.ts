import type { MedicationRequest, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isRepeatable, prescriptionsOf, repeatRequestsByItem } from './prescriptions';

const item = (id: string, extra: Partial<MedicationRequest> = {}): MedicationRequest => ({
  resourceType: 'MedicationRequest',
  id,
  status: 'active',
  intent: 'original-order',
  subject: { reference: 'Patient/p' },
  medicationCodeableConcept: {
    coding: [
      { system: 'http://snomed.info/sct', code: '39732311000001104', display: 'Amoxicillin 250mg capsules' },
    ],
  },
  dosageInstruction: [{ text: 'One capsule three times a day' }],
  dispenseRequest: { quantity: { value: 20, unit: 'capsule' } },
  ...extra,
});

const task = (id: string, code: string, text: string, items: string[], authoredOn: string): Task => ({
  resourceType: 'Task',
  id,
  status: 'requested',
  intent: 'order',
  identifier: [{ system: 'https://fhir.nhs.uk/Id/prescription-order-number', value: `SHORT-${id}` }],
  businessStatus: { coding: [{ code, display: 'To Be Dispensed' }], text },
  authoredOn,
  output: items.map((reference) => ({
    type: { coding: [{ code: '0007' }], text: 'Waiting for a pharmacy' },
    valueReference: { reference: `MedicationRequest/${reference}` },
  })),
});

describe('prescriptions as the patient sees them', () => {
  it('joins each tracker Task with its items, newest first, in plain words', () => {
    const views = prescriptionsOf(
      [
        task('old', '0006', 'Dispensed', ['a'], '2026-01-01T10:00:00Z'),
        task('new', '0001', 'Waiting for a pharmacy to collect it', ['b', 'c'], '2026-02-01T10:00:00Z'),
      ],
      [item('a'), item('b'), item('c', { medicationCodeableConcept: { text: 'Salbutamol inhaler' } })],
    );
    expect(views.map((view) => view.id)).toEqual(['new', 'old']);
    expect(views[0]).toMatchObject({
      reference: 'SHORT-new',
      status: 'Waiting for a pharmacy to collect it',
      statusCode: '0001',
      colour: 'blue',
      issued: '2026-02-01T10:00:00Z',
    });
    expect(views[0]!.items).toEqual([
      {
        id: 'b',
        medicine: 'Amoxicillin 250mg capsules',
        dosage: 'One capsule three times a day',
        quantity: '20 capsule',
        status: 'Waiting for a pharmacy',
        repeatable: true,
        repeat: undefined,
      },
      expect.objectContaining({ id: 'c', medicine: 'Salbutamol inhaler' }),
    ]);
    expect(views[1]!.colour).toBe('green');
  });

  it('still lists an item whose MedicationRequest could not be read, without offering a repeat', () => {
    const [view] = prescriptionsOf(
      [task('t', '0005', 'Cancelled by your prescriber', ['gone'], '2026-01-01')],
      [],
    );
    expect(view!.colour).toBe('red');
    expect(view!.items).toEqual([
      {
        id: 'gone',
        medicine: 'Medicine',
        dosage: undefined,
        quantity: undefined,
        status: 'Waiting for a pharmacy',
        repeatable: false,
      },
    ]);
  });

  it('falls back to the status display, then says the status is not known', () => {
    const bare: Task = { resourceType: 'Task', id: 'x', status: 'requested', intent: 'order' };
    expect(prescriptionsOf([bare], [])[0]).toMatchObject({
      status: 'Status not known',
      colour: 'grey',
      items: [],
    });
    const displayOnly: Task = {
      ...bare,
      businessStatus: { coding: [{ code: '0002', display: 'With Dispenser' }] },
    };
    expect(prescriptionsOf([displayOnly], [])[0]).toMatchObject({
      status: 'With Dispenser',
      colour: 'yellow',
    });
  });

  it('offers a repeat only for orders that are active or completed', () => {
    expect(isRepeatable(item('a'))).toBe(true);
    expect(isRepeatable(item('a', { intent: 'order', status: 'completed' }))).toBe(true);
    expect(isRepeatable(item('a', { status: 'cancelled' }))).toBe(false);
    expect(isRepeatable(item('a', { intent: 'plan' }))).toBe(false);
    expect(isRepeatable(undefined)).toBe(false);
  });

  it('shows the latest repeat request of each item, and offers no second one while it is open', () => {
    const request = (id: string, focus: string, status: Task['status'], authoredOn: string): Task => ({
      resourceType: 'Task',
      id,
      status,
      intent: 'order',
      focus: { reference: `MedicationRequest/${focus}` },
      authoredOn,
    });
    const repeats = [
      request('r1', 'a', 'rejected', '2026-01-02T10:00:00Z'),
      request('r2', 'a', 'requested', '2026-01-05T10:00:00Z'),
      request('r3', 'b', 'completed', '2026-01-03T10:00:00Z'),
      { ...request('r4', 'x', 'requested', '2026-01-03T10:00:00Z'), focus: { reference: 'Medication/x' } },
    ];
    expect(Object.fromEntries(repeatRequestsByItem(repeats))).toEqual({
      a: { requested: '2026-01-05T10:00:00Z', status: 'Waiting for your GP practice', open: true },
      b: { requested: '2026-01-03T10:00:00Z', status: 'Approved by your GP practice', open: false },
    });
    const [view] = prescriptionsOf(
      [task('t', '0006', 'Dispensed', ['a', 'b'], '2026-01-01')],
      [item('a'), item('b')],
      repeats,
    );
    expect(view!.items.map((entry) => [entry.id, entry.repeatable, entry.repeat?.status])).toEqual([
      ['a', false, 'Waiting for your GP practice'],
      ['b', true, 'Approved by your GP practice'],
    ]);
  });
});
