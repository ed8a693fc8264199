/**
 * Cost of validating the EPS prescription-order message: each entry resource, and the Bundle.
 * Run with `npx vitest bench --run bench/suites/validate-resource.bench.ts`.
 */
import { readFileSync } from 'node:fs';
import { bench, describe } from 'vitest';
import { loadValidationDefinitions, validateResource } from '../../src/platform/fhir/validation/index.js';

type Json = Record<string, unknown>;

loadValidationDefinitions();
const order = JSON.parse(
  readFileSync(new URL('../../test/fixtures/eps/prescription-order.json', import.meta.url), 'utf8'),
) as Json;
const entries = (order['entry'] as { resource: Json }[]).map((entry) => entry.resource);

describe('validateResource on prescription-order.json', () => {
  bench(`each of the ${entries.length} entry resources`, () => {
    for (const resource of entries) validateResource(resource);
  });
  bench('the whole message Bundle', () => {
    validateResource(order);
  });
  const medicationRequest = entries.find((resource) => resource['resourceType'] === 'MedicationRequest');
  bench('one MedicationRequest', () => {
    validateResource(medicationRequest);
  });
});
