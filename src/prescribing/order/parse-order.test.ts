import type { Bundle, MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { Problem } from '../../platform/errors/problem.js';
import { orderBundle, orderItems } from '../examples/order-bundle.js';
import { parsePrescriptionOrder } from './parse-order.js';

function refusal(bundle: Bundle): { code: string; expression: string | undefined } {
  try {
    parsePrescriptionOrder(bundle);
  } catch (error) {
    if (error instanceof Problem) return { code: error.code, expression: error.issues[0]!.expression };
    throw error;
  }
  throw new Error('accepted');
}

function withItem(bundle: Bundle, change: (item: MedicationRequest) => void, position = 0): Bundle {
  change(orderItems(bundle)[position]!);
  return bundle;
}

describe('prescription-order rules', () => {
  it('reads the EPS example: four items, patient, prescriber, organisation, nomination', () => {
    const bundle = orderBundle({ items: [{}, {}, {}, {}], nominatedPharmacy: 'FCG71' });
    const order = parsePrescriptionOrder(bundle);
    expect(order.items).toHaveLength(4);
    expect(order.shortFormId).toMatch(/^[0-9A-F]{6}-A83008-[0-9A-F]{5}[0-9A-Z+]$/);
    expect(order.patient.identifier).toEqual({
      system: 'https://fhir.nhs.uk/Id/nhs-number',
      value: '9449304130',
    });
    expect(order.organisationOds).toBe('A83008');
    expect(order.nominatedPharmacy).toBe('FCG71');
    expect(order.practitioner.identifiers).toContainEqual({
      system: 'https://fhir.hl7.org.uk/Id/gmc-number',
      value: '6095103',
    });
    expect(order.controlled).toBe(false);
  });

  it('accepts the vendored fixture itself', () => {
    const order = parsePrescriptionOrder(orderBundle({ shortFormId: '24F5DA-A83008-7EFE6Z' }));
    expect(order.shortFormId).toBe('24F5DA-A83008-7EFE6Z');
  });

  it('refuses more than four items', () => {
    expect(refusal(orderBundle({ items: [{}, {}, {}, {}, {}] })).code).toBe('INVALID_VALUE');
  });

  it('refuses items that do not share one prescription ID', () => {
    const bundle = orderBundle({ items: [{}, {}] });
    const other = orderBundle();
    orderItems(bundle)[1]!.groupIdentifier = orderItems(other)[0]!.groupIdentifier;
    expect(refusal(bundle)).toMatchObject({
      code: 'INVALID_VALUE',
      expression: expect.stringContaining('groupIdentifier'),
    });
  });

  it('answers INVALID_CHECKSUM for a wrong check character and INVALID_VALUE for a malformed ID', () => {
    expect(refusal(orderBundle({ shortFormId: '24F5DA-A83008-7EFE6A' })).code).toBe('INVALID_CHECKSUM');
    expect(refusal(orderBundle({ shortFormId: '24F5DA-A83008' })).code).toBe('INVALID_VALUE');
  });

  it('needs a UUID long-form ID', () => {
    const bundle = withItem(orderBundle(), (item) => {
      item.groupIdentifier = {
        ...item.groupIdentifier,
        extension: [
          {
            url: 'https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionId',
            valueIdentifier: { system: 'https://fhir.nhs.uk/Id/prescription', value: 'not-a-uuid' },
          },
        ],
      };
    });
    expect(refusal(bundle).code).toBe('INVALID_VALUE');
  });

  it('answers INVALID_PATIENT_IDENTIFIER for an NHS number failing Modulus 11', () => {
    expect(refusal(orderBundle({ nhsNumber: '9449304131' })).code).toBe('INVALID_PATIENT_IDENTIFIER');
  });

  it('needs a dm+d coded medicine', () => {
    const bundle = withItem(orderBundle(), (item) => {
      item.medicationCodeableConcept = { coding: [{ system: 'http://example.org/drugs', code: '123456' }] };
    });
    expect(refusal(bundle)).toMatchObject({
      code: 'INVALID_VALUE',
      expression: expect.stringContaining('medicationCodeableConcept'),
    });
    const badCode = withItem(orderBundle(), (item) => {
      item.medicationCodeableConcept = { coding: [{ system: 'http://snomed.info/sct', code: 'abc' }] };
    });
    expect(refusal(badCode).code).toBe('INVALID_VALUE');
  });

  it('accepts a medicationReference to a coded Medication in the bundle', () => {
    const bundle = orderBundle();
    const item = orderItems(bundle)[0]!;
    delete item.medicationCodeableConcept;
    item.medicationReference = { reference: 'urn:uuid:0f0f0f0f-0000-4000-8000-000000000001' };
    bundle.entry!.push({
      fullUrl: 'urn:uuid:0f0f0f0f-0000-4000-8000-000000000001',
      resource: {
        resourceType: 'Medication',
        code: { coding: [{ system: 'http://snomed.info/sct', code: '322341003' }] },
      },
    });
    expect(parsePrescriptionOrder(bundle).items[0]!.medication?.code?.coding?.[0]?.code).toBe('322341003');
  });

  it.each([0, -5])('refuses a quantity of %s', (quantity) => {
    expect(refusal(orderBundle({ items: [{ quantity }] }))).toMatchObject({
      code: 'INVALID_VALUE',
      expression: expect.stringContaining('dispenseRequest.quantity'),
    });
  });

  it('refuses a nominated pharmacy that is not an ODS code', () => {
    expect(refusal(orderBundle({ nominatedPharmacy: 'not ods!' })).code).toBe('INVALID_VALUE');
  });

  it('checks status and intent', () => {
    expect(
      refusal(
        withItem(orderBundle(), (item) => {
          item.status = 'draft';
        }),
      ).code,
    ).toBe('INVALID_VALUE');
    expect(
      refusal(
        withItem(orderBundle(), (item) => {
          item.intent = 'plan';
        }),
      ).code,
    ).toBe('INVALID_VALUE');
    expect(
      refusal(
        withItem(orderBundle(), (item) => {
          delete item.courseOfTherapyType;
        }),
      ).code,
    ).toBe('INVALID_VALUE');
    expect(
      refusal(
        withItem(orderBundle(), (item) => {
          delete item.basedOn;
        }),
      ).code,
    ).toBe('MISSING_VALUE');
    expect(parsePrescriptionOrder(orderBundle({ intent: 'order' })).items[0]!.resource.intent).toBe('order');
  });

  it('needs one patient and one requester for every item', () => {
    const bundle = orderBundle({ items: [{}, {}] });
    orderItems(bundle)[1]!.subject = { reference: 'urn:uuid:someone-else' };
    expect(refusal(bundle).code).toBe('INVALID_VALUE');
  });

  it('flags controlled drugs', () => {
    expect(parsePrescriptionOrder(orderBundle({ items: [{}, { controlled: true }] })).controlled).toBe(true);
  });

  it('needs the message id', () => {
    const bundle = orderBundle();
    delete bundle.identifier;
    expect(refusal(bundle).code).toBe('MISSING_VALUE');
  });
});
