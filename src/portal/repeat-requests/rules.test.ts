import type { MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { prescribingKindOf, repeatRefusal } from './rules.js';

const HL7 = 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy';
const NHS = 'https://fhir.nhs.uk/CodeSystem/medicationrequest-course-of-therapy';

const item = (
  intent: MedicationRequest['intent'],
  course?: [string, string],
  status = 'active',
): MedicationRequest => ({
  resourceType: 'MedicationRequest',
  status: status as MedicationRequest['status'],
  intent,
  subject: { reference: 'Patient/p' },
  ...(course ? { courseOfTherapyType: { coding: [{ system: course[0], code: course[1] }] } } : {}),
});

describe('which items a patient may ask to repeat', () => {
  it.each([
    ['continuous original-order', item('original-order', [HL7, 'continuous']), 'repeat'],
    ['continuous instance-order', item('instance-order', [HL7, 'continuous']), 'repeat'],
    ['seasonal', item('original-order', [HL7, 'seasonal']), 'repeat'],
    ['original-order without a course', item('original-order'), 'repeat'],
    ['acute order', item('order', [HL7, 'acute']), 'acute'],
    ['order without a course', item('order'), 'acute'],
    ['eRD order', item('order', [NHS, 'continuous-repeat-dispensing']), 'repeat-dispensing'],
    [
      'eRD original-order',
      item('original-order', [NHS, 'continuous-repeat-dispensing']),
      'repeat-dispensing',
    ],
  ] as const)('%s is %s', (_name, request, kind) => {
    expect(prescribingKindOf(request)).toBe(kind);
    const refusal = repeatRefusal(request);
    if (kind === 'repeat') expect(refusal).toBeUndefined();
    else {
      expect(refusal?.issues[0]?.code).toBe('INVALID_STATE_TRANSITION');
      expect(refusal?.issues[0]?.expression).toBe('MedicationRequest.courseOfTherapyType');
    }
  });

  it('refuses plans and proposals, and cancelled or stopped repeats', () => {
    expect(repeatRefusal(item('plan', [HL7, 'continuous']))?.issues[0]?.expression).toBe(
      'MedicationRequest.intent',
    );
    expect(
      repeatRefusal(item('original-order', [HL7, 'continuous'], 'cancelled'))?.issues[0]?.expression,
    ).toBe('MedicationRequest.status');
    expect(repeatRefusal(item('original-order', [HL7, 'continuous'], 'completed'))).toBeUndefined();
  });
});
