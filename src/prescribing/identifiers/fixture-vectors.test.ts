import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isValidNhsNumber, NHS_NUMBER_SYSTEM, patientIdentifierProblem } from '../../nhs/index.js';
import { isLongFormId, LONG_FORM_ID_SYSTEM, SHORT_FORM_ID_SYSTEM, shortFormIdProblem } from './index.js';

// Every identifier in the EPS example messages is a test vector: EPS itself accepted them.
const FIXTURES = new URL('../../../test/fixtures/eps/', import.meta.url);

function identifiersIn(node: unknown, found: Map<string, Set<string>>): void {
  if (Array.isArray(node)) {
    for (const item of node) identifiersIn(item, found);
  } else if (node !== null && typeof node === 'object') {
    const { system, value } = node as { system?: unknown; value?: unknown };
    if (typeof system === 'string' && typeof value === 'string') {
      if (!found.has(system)) found.set(system, new Set());
      found.get(system)!.add(value);
    }
    for (const child of Object.values(node)) identifiersIn(child, found);
  }
}

const identifiers = new Map<string, Set<string>>();
for (const file of readdirSync(FIXTURES).filter((name) => name.endsWith('.json'))) {
  identifiersIn(JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')), identifiers);
}
const valuesOf = (system: string) => [...(identifiers.get(system) ?? [])];

describe('identifiers in the EPS example messages', () => {
  it('every NHS number is valid', () => {
    const values = valuesOf(NHS_NUMBER_SYSTEM);
    expect(values).toContain('9449304130');
    for (const value of values) {
      expect(isValidNhsNumber(value), value).toBe(true);
      expect(patientIdentifierProblem(NHS_NUMBER_SYSTEM, value), value).toBeUndefined();
    }
  });

  it('every short-form prescription ID is valid', () => {
    const values = valuesOf(SHORT_FORM_ID_SYSTEM);
    expect(values).toContain('24F5DA-A83008-7EFE6Z');
    for (const value of values) expect(shortFormIdProblem(value), value).toBeUndefined();
  });

  it('every long-form prescription ID is a UUID', () => {
    const values = valuesOf(LONG_FORM_ID_SYSTEM);
    expect(values).toContain('20ba5fb5-cb58-462c-923e-22d180b09356');
    for (const value of values) expect(isLongFormId(value), value).toBe(true);
  });
});
