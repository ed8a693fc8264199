/**
 * Course of therapy and repeat dispensing against the EPS FHIR specification: the EPS eRD example
 * (older shape: intent order, UK Core total) and the current one (original-order,
 * numberOfRepeatsAllowed), the code systems, and what is refused.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { Problem } from '../../platform/errors/problem.js';
import { orderBundle, orderItems } from '../examples/order-bundle.js';
import { REPEAT_INFORMATION_EXTENSION } from './course-of-therapy.js';
import { parsePrescriptionOrder } from './parse-order.js';

const ERD_EXAMPLE = new URL(
  '../../../test/fixtures/eps/prescription-order-repeat-dispensing.json',
  import.meta.url,
);
const example = () => JSON.parse(readFileSync(ERD_EXAMPLE, 'utf8')) as Bundle;

function refusal(bundle: Bundle): { code: string; expression: string | undefined; diagnostics: string } {
  try {
    parsePrescriptionOrder(bundle);
  } catch (error) {
    if (error instanceof Problem) {
      const issue = error.issues[0]!;
      return { code: error.code, expression: issue.expression, diagnostics: issue.diagnostics };
    }
    throw error;
  }
  throw new Error('accepted');
}

function change(bundle: Bundle, edit: (item: MedicationRequest) => void, position?: number): Bundle {
  const items = orderItems(bundle);
  for (const [index, item] of items.entries()) if (position === undefined || index === position) edit(item);
  return bundle;
}

const erd = (terms: Parameters<typeof orderBundle>[0] = {}) =>
  orderBundle({ repeatDispensing: {}, items: [{}, {}], ...terms });

describe('course of therapy and repeat dispensing (EPS)', () => {
  it("reads the EPS specification's eRD example: 6 issues every 30 days until 11 August 2021", () => {
    const order = parsePrescriptionOrder(example());
    expect(order.course).toBe('continuous-repeat-dispensing');
    expect(order.repeatDispensing).toEqual({
      issues: 6,
      intervalDays: 30,
      authorisationExpiry: '2021-08-11',
    });
    expect(order.nominatedPharmacy).toBe('FCG71');
  });

  it('reads the current shape: original-order, numberOfRepeatsAllowed 5 → 6 issues', () => {
    const order = parsePrescriptionOrder(erd({ repeatDispensing: { repeats: 5, intervalDays: 28 } }));
    expect(order.repeatDispensing).toMatchObject({ issues: 6, intervalDays: 28 });
    expect(order.items.every((item) => item.course === 'continuous-repeat-dispensing')).toBe(true);
  });

  it('prefers numberOfRepeatsAllowed to the UK Core total, and reads weeks', () => {
    const bundle = change(example(), (item) => {
      item.dispenseRequest!.numberOfRepeatsAllowed = 2;
      item.dispenseRequest!.expectedSupplyDuration = {
        value: 4,
        unit: 'week',
        system: 'http://unitsofmeasure.org',
        code: 'wk',
      };
    });
    expect(parsePrescriptionOrder(bundle).repeatDispensing).toMatchObject({ issues: 3, intervalDays: 28 });
  });

  it('reads acute and repeat prescribing in the HL7 code system', () => {
    expect(parsePrescriptionOrder(orderBundle({ intent: 'order' })).course).toBe('acute');
    expect(parsePrescriptionOrder(orderBundle()).course).toBe('continuous');
    expect(parsePrescriptionOrder(orderBundle()).repeatDispensing).toBeUndefined();
  });

  it('refuses continuous-repeat-dispensing in the HL7 system, and unknown codes, naming the element', () => {
    const hl7 = change(example(), (item) => {
      item.courseOfTherapyType!.coding![0]!.system =
        'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy';
    });
    expect(refusal(hl7)).toMatchObject({
      code: 'INVALID_VALUE',
      expression: expect.stringContaining('courseOfTherapyType'),
    });
    const unknown = change(example(), (item) => {
      item.courseOfTherapyType!.coding![0]!.code = 'repeat';
    });
    expect(refusal(unknown).code).toBe('INVALID_VALUE');
    const otherSystem = change(example(), (item) => {
      item.courseOfTherapyType!.coding![0]!.system = 'https://example.org/course';
    });
    expect(refusal(otherSystem).code).toBe('INVALID_VALUE');
  });

  it('refuses a mix of courses across items (EPS: Invalid_Course_of_Therapy_mixed)', () => {
    const mixed = change(
      example(),
      (item) => {
        item.courseOfTherapyType = {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy',
              code: 'acute',
            },
          ],
        };
      },
      1,
    );
    expect(refusal(mixed)).toMatchObject({
      code: 'INVALID_VALUE',
      diagnostics: expect.stringMatching(/same course/),
    });
  });

  it('needs the number of issues, the supply duration and the authorisation expiry', () => {
    const noRepeats = change(erd(), (item) => {
      delete item.dispenseRequest!.numberOfRepeatsAllowed;
    });
    expect(refusal(noRepeats)).toMatchObject({
      code: 'MISSING_VALUE',
      expression: expect.stringContaining('numberOfRepeatsAllowed'),
    });
    const noDuration = change(erd(), (item) => {
      delete item.dispenseRequest!.expectedSupplyDuration;
    });
    expect(refusal(noDuration)).toMatchObject({
      code: 'MISSING_VALUE',
      expression: expect.stringContaining('expectedSupplyDuration'),
    });
    const months = change(erd(), (item) => {
      item.dispenseRequest!.expectedSupplyDuration = { value: 1, code: 'mo' };
    });
    expect(refusal(months).code).toBe('INVALID_VALUE');
    const noExpiry = change(erd(), (item) => {
      item.extension = item.extension?.filter((extension) => extension.url !== REPEAT_INFORMATION_EXTENSION);
    });
    expect(refusal(noExpiry)).toMatchObject({
      code: 'MISSING_VALUE',
      expression: expect.stringContaining('extension'),
    });
    const badExpiry = erd({ repeatDispensing: { authorisationExpiry: 'soon' } });
    expect(refusal(badExpiry).code).toBe('INVALID_VALUE');
    const negative = change(erd(), (item) => {
      item.dispenseRequest!.numberOfRepeatsAllowed = -1;
    });
    expect(refusal(negative).code).toBe('INVALID_VALUE');
  });

  it('refuses items with different issues or intervals, and bounds every item by the earliest expiry', () => {
    const different = change(
      erd(),
      (item) => {
        item.dispenseRequest!.numberOfRepeatsAllowed = 2;
      },
      1,
    );
    expect(refusal(different).code).toBe('INVALID_VALUE');
    const earlier = change(
      erd({ repeatDispensing: { authorisationExpiry: '2031-01-31' } }),
      (item) => {
        item.extension!.find((extension) => extension.url === REPEAT_INFORMATION_EXTENSION)!
          .extension![0]!.valueDateTime = '2030-06-30';
      },
      1,
    );
    expect(parsePrescriptionOrder(earlier).repeatDispensing!.authorisationExpiry).toBe('2030-06-30');
  });

  it('refuses an eRD sent as an instance-order (the service issues the repeats)', () => {
    const instance = change(erd(), (item) => {
      item.intent = 'instance-order';
    });
    expect(refusal(instance)).toMatchObject({
      code: 'INVALID_VALUE',
      expression: expect.stringContaining('intent'),
    });
  });

  it('refuses Schedule 2 and 3 controlled drugs as eRD, and accepts Schedules 4 and 5', () => {
    for (const schedule of ['CD2', 'CD3']) {
      const bundle = erd({ items: [{}, { controlled: true, schedule }] });
      expect(refusal(bundle), schedule).toMatchObject({
        code: 'INVALID_VALUE',
        diagnostics: expect.stringContaining(`Schedule ${schedule.slice(2)}`),
      });
    }
    for (const schedule of ['CD4-1', 'CD4-2', 'CD5']) {
      expect(
        parsePrescriptionOrder(erd({ items: [{ controlled: true, schedule }] })).repeatDispensing,
        schedule,
      ).toBeDefined();
    }
    // The same Schedule 2 drug is fine on an acute prescription.
    expect(
      parsePrescriptionOrder(orderBundle({ intent: 'order', items: [{ controlled: true }] })).controlled,
    ).toBe(true);
  });
});
