/** The EPS specification's own dispense-notification example parses whole (item types 0001, 0001, 0004, 0005). */
import { readFileSync } from 'node:fs';
import type { Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { Problem } from '../../platform/errors/problem.js';
import { parseDispenseNotification } from './parse-dispense.js';

const example = () =>
  JSON.parse(
    readFileSync(new URL('../../../test/fixtures/eps/dispense-notification.json', import.meta.url), 'utf8'),
  ) as Bundle;

describe('dispense-notification rules', () => {
  it('reads every line of the EPS example, whatever its type code', () => {
    const parsed = parseDispenseNotification(example());
    expect(parsed.record.lines.map((line) => line.type)).toEqual([
      'dispensed',
      'dispensed',
      'owing',
      'cancelled',
    ]);
  });

  it('refuses a code outside medicationdispense-type with INVALID_VALUE naming the element', () => {
    const bundle = example();
    const dispense = bundle.entry!.find((entry) => entry.resource?.resourceType === 'MedicationDispense')!
      .resource as { type: { coding: Array<{ code: string }> } };
    dispense.type.coding[0]!.code = '0009';
    try {
      parseDispenseNotification(bundle);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(Problem);
      expect((error as Problem).code).toBe('INVALID_VALUE');
      expect((error as Problem).issues[0]!.expression).toContain('type');
    }
  });
});
