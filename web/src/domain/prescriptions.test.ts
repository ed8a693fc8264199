import type { Extension, MedicationRequest, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  isRepeatable,
  issueLines,
  organisationCodes,
  pharmacyRow,
  prescriptionsOf,
  repeatRequestsByItem,
  titleOf,
} from './prescriptions';

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
  dispenseRequest: {
    quantity: { value: 20, unit: 'capsule', system: 'http://snomed.info/sct', code: '428641000' },
  },
  extension: [
    {
      url: 'https://fhir.pathways.dev/StructureDefinition/prescriber-organisation',
      valueIdentifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A83008' },
    },
  ],
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
        quantity: '20 capsules',
        status: 'Waiting for a pharmacy',
        sameAsPrescription: true,
        repeatable: true,
        repeat: undefined,
      },
      expect.objectContaining({ id: 'c', medicine: 'Salbutamol inhaler' }),
    ]);
    expect(views[1]!.colour).toBe('green');
    // A dispensed prescription whose item still says "to be dispensed": the item's row is shown.
    expect(views[1]!.items[0]!.sameAsPrescription).toBe(false);
  });

  it('titles each card with its medicines and names where it came from and which pharmacy has it', () => {
    const withPharmacy: Task = {
      ...task('a', '0002', 'With a pharmacy', ['a'], '2026-12-07T10:00:00Z'),
      owner: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'FCG71' } },
      extension: [
        {
          url: 'https://fhir.pathways.dev/StructureDefinition/nominated-pharmacy',
          valueIdentifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'FEW08' },
        },
      ],
    };
    const nominated: Task = {
      ...task('b', '0001', 'Waiting for a pharmacy to collect it', ['b', 'c'], '2026-12-07T11:00:00Z'),
      extension: withPharmacy.extension,
    };
    const none = task('c', '0001', 'Waiting for a pharmacy to collect it', ['d'], '2026-12-07T09:00:00Z');
    const views = prescriptionsOf(
      [withPharmacy, nominated, none],
      [
        item('a'),
        item('b', { medicationCodeableConcept: { text: 'Co-codamol 30mg/500mg tablets' } }),
        item('c'),
        item('d', { extension: [], medicationCodeableConcept: { text: 'Salbutamol inhaler' } }),
      ],
    );
    expect(views.map((view) => [view.title, view.prescriberOrg, view.pharmacy])).toEqual([
      [
        'Co-codamol 30mg/500mg tablets and Amoxicillin 250mg capsules',
        'A83008',
        { ods: 'FEW08', has: false },
      ],
      ['Amoxicillin 250mg capsules', 'A83008', { ods: 'FCG71', has: true }],
      ['Salbutamol inhaler', undefined, undefined],
    ]);
    expect(organisationCodes(views)).toEqual(['A83008', 'FCG71', 'FEW08']);
    const names = new Map([
      ['FCG71', 'High Street Pharmacy'],
      ['FEW08', 'Station Road Pharmacy'],
    ]);
    expect(views.map((view) => pharmacyRow(view, names))).toEqual([
      { key: 'Nominated pharmacy', value: 'Station Road Pharmacy' },
      { key: 'Pharmacy', value: 'High Street Pharmacy' },
      { key: 'Pharmacy', value: 'Not with a pharmacy' },
    ]);
    expect(pharmacyRow(views[1]!, new Map())).toEqual({ key: 'Pharmacy', value: 'organisation FCG71' });
    expect(titleOf(['A', 'B', 'C'])).toBe('A and 2 other medicines');
    expect(titleOf([])).toBe('Prescription');
  });

  it('shows an item status only where it says something the prescription status does not', () => {
    const partly: Task = {
      ...task('p', '0003', 'Being dispensed by a pharmacy (some items still to come)', [], '2026-01-01'),
      output: [
        {
          type: { coding: [{ code: '0001' }], text: 'Dispensed' },
          valueReference: { reference: 'MedicationRequest/a' },
        },
        {
          type: { coding: [{ code: '0004' }], text: 'Owed to you by the pharmacy' },
          valueReference: { reference: 'MedicationRequest/b' },
        },
      ],
    };
    const withPharmacy: Task = {
      ...task('w', '0002', 'With a pharmacy', [], '2026-01-02'),
      output: [
        {
          type: { coding: [{ code: '0008' }], text: 'With a pharmacy' },
          valueReference: { reference: 'MedicationRequest/c' },
        },
      ],
    };
    const views = prescriptionsOf([partly, withPharmacy], [item('a'), item('b'), item('c')]);
    expect(views.flatMap((view) => view.items.map((entry) => [entry.id, entry.sameAsPrescription]))).toEqual([
      ['c', true],
      ['a', false],
      ['b', false],
    ]);
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
        sameAsPrescription: false,
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

  it('offers a repeat only for repeat prescribing (not acute, not repeat dispensing), active or completed', () => {
    const course = (system: string, code: string) => ({
      courseOfTherapyType: { coding: [{ system, code }] },
    });
    const hl7 = 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy';
    expect(isRepeatable(item('a'))).toBe(true);
    expect(isRepeatable(item('a', { status: 'completed', ...course(hl7, 'continuous') }))).toBe(true);
    expect(isRepeatable(item('a', { intent: 'order', ...course(hl7, 'continuous') }))).toBe(true);
    expect(isRepeatable(item('a', { intent: 'order', status: 'completed' }))).toBe(false);
    expect(isRepeatable(item('a', course(hl7, 'acute')))).toBe(false);
    expect(
      isRepeatable(
        item('a', {
          intent: 'order',
          ...course(
            'https://fhir.nhs.uk/CodeSystem/medicationrequest-course-of-therapy',
            'continuous-repeat-dispensing',
          ),
        }),
      ),
    ).toBe(false);
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

  it('says which issue of a repeat-dispensing prescription the patient is on, and when the next is', () => {
    const erd = (parts: Extension[]): Task => ({
      ...task('e', '0001', 'Waiting for a pharmacy to collect it', ['a'], '2026-03-01T10:00:00Z'),
      extension: [
        {
          url: 'https://fhir.pathways.dev/StructureDefinition/prescription-issue',
          extension: [
            { url: 'issueNumber', valueUnsignedInt: 2 },
            { url: 'issuesAuthorised', valueUnsignedInt: 6 },
            { url: 'issueAvailableFrom', valueDateTime: '2026-03-08T00:00:00Z' },
            ...parts,
          ],
        },
      ],
    });
    const [current] = prescriptionsOf([erd([])], [item('a')]);
    expect(current!.repeatDispensing).toMatchObject({ issue: 2, issues: 6 });
    expect(issueLines(current!.repeatDispensing!)).toEqual(['Issue 2 of 6, available from 8 March 2026']);
    const [dispensed] = prescriptionsOf(
      [erd([{ url: 'nextIssueAvailableFrom', valueDateTime: '2026-03-15T00:00:00Z' }])],
      [item('a')],
    );
    expect(issueLines(dispensed!.repeatDispensing!)).toEqual([
      'Issue 2 of 6, available from 8 March 2026',
      'Issue 3 of 6 available from 15 March 2026',
    ]);
    const [last] = prescriptionsOf([erd([{ url: 'ended', valueCode: 'completed' }])], [item('a')]);
    expect(issueLines(last!.repeatDispensing!)[1]).toContain('last issue');
    expect(
      prescriptionsOf([task('t', '0001', 'x', ['a'], '2026-01-01')], [item('a')])[0]!.repeatDispensing,
    ).toBe(undefined);
  });

  it("shows the pharmacy's latest word, and an item's status only where it differs from it", () => {
    const update = (text: string) => ({
      url: 'https://fhir.pathways.dev/StructureDefinition/pharmacy-status',
      extension: [{ url: 'status', valueCodeableConcept: { coding: [{ code: text }], text } }],
    });
    const base = task('t', '0002', 'With your pharmacy', ['a', 'b'], '2026-01-01');
    const withUpdates: Task = {
      ...base,
      extension: [update('Ready to collect from your pharmacy')],
      output: [
        { ...base.output![0]!, extension: [update('Ready to collect from your pharmacy')] },
        {
          ...base.output![1]!,
          extension: [update('Your pharmacy is getting the rest of your medicine ready')],
        },
      ],
    };
    const [view] = prescriptionsOf([withUpdates], [item('a'), item('b')]);
    expect(view!.pharmacyUpdate).toBe('Ready to collect from your pharmacy');
    expect(view!.items.map((entry) => [entry.status, entry.sameAsPrescription])).toEqual([
      ['Ready to collect from your pharmacy', true],
      ['Your pharmacy is getting the rest of your medicine ready', false],
    ]);
  });
});
