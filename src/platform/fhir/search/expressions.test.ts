import { getSearchParameters } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { RESOURCE_TYPES } from '../resource-types.js';
import { indexedParams, searchParameters } from './definitions.js';
import { branchesFor, compileBranchWithKind, compileExpression, splitTopLevelUnion } from './expressions.js';

describe('splitTopLevelUnion', () => {
  it('splits on | outside parentheses and quotes', () => {
    expect(splitTopLevelUnion("A.b | (C.d as X) | E.f.where(system='a|b')")).toEqual([
      'A.b',
      '(C.d as X)',
      "E.f.where(system='a|b')",
    ]);
  });
});

describe('compileExpression', () => {
  it('keeps only the branches of the resource type', () => {
    expect(branchesFor('Patient', 'Patient.address | Person.address | Practitioner.address')).toEqual([
      'Patient.address',
    ]);
    expect(compileExpression('Task', 'Patient.name | Person.name')).toBeUndefined();
  });

  it('walks paths, flattening arrays and finding choice elements', () => {
    const extract = compileExpression('Observation', 'Observation.effective');
    expect(extract?.({ resourceType: 'Observation', effectivePeriod: { start: '2024' } })).toEqual([
      { start: '2024' },
    ]);
    const given = compileExpression('Patient', 'Patient.name.given');
    expect(given?.({ name: [{ given: ['a', 'b'] }, { given: ['c'] }] })).toEqual(['a', 'b', 'c']);
  });

  it('reads `as` casts as the one choice element', () => {
    const extract = compileExpression(
      'MedicationRequest',
      '(MedicationRequest.medication as CodeableConcept)',
    );
    expect(extract?.({ medicationCodeableConcept: { text: 'x' } })).toEqual([{ text: 'x' }]);
    expect(extract?.({ medicationReference: { reference: 'Medication/1' } })).toEqual([]);
  });

  it('where(resolve() is T) keeps literal references of T and identifier-only references', () => {
    const extract = compileExpression('Task', 'Task.for.where(resolve() is Patient)');
    expect(extract?.({ for: { reference: 'Patient/1' } })).toHaveLength(1);
    expect(extract?.({ for: { reference: 'Group/1' } })).toHaveLength(0);
    expect(extract?.({ for: { identifier: { value: '9449304130' } } })).toHaveLength(1);
    expect(extract?.({ for: { type: 'Group', identifier: { value: 'g' } } })).toHaveLength(0);
  });

  it("where(field='x') filters on the field", () => {
    const extract = compileExpression('Patient', "Patient.telecom.where(system='email')");
    expect(
      extract?.({
        telecom: [
          { system: 'phone', value: '1' },
          { system: 'email', value: 'e' },
        ],
      }),
    ).toEqual([{ system: 'email', value: 'e' }]);
  });

  it('Patient.deceased is true for a date or true, false otherwise', () => {
    const extract = compileExpression('Patient', 'Patient.deceased.exists() and Patient.deceased != false');
    expect(extract?.({ deceasedDateTime: '2020' })).toEqual([true]);
    expect(extract?.({ deceasedBoolean: false })).toEqual([false]);
    expect(extract?.({})).toEqual([false]);
  });

  it('needs the general FHIRPath engine for no parameter of a stored type (index writes stay fast)', () => {
    const slow: string[] = [];
    for (const type of RESOURCE_TYPES) {
      for (const param of indexedParams(type).values()) {
        const expression = getSearchParameters(type)?.[param.code]?.expression ?? '';
        for (const branch of branchesFor(type, expression)) {
          if (compileBranchWithKind(branch).kind === 'fhirpath')
            slow.push(`${type}.${param.code}: ${branch}`);
        }
      }
    }
    expect(slow).toEqual([]);
  });
});

describe('searchParameters', () => {
  it('lists _id, _lastUpdated and the indexed parameters with their definitions', () => {
    const params = searchParameters('Task');
    const names = params.map((param) => param.name);
    expect(names.slice(0, 2)).toEqual(['_id', '_lastUpdated']);
    expect(names).toEqual(
      expect.arrayContaining(['focus', 'patient', 'business-status', 'authored-on', 'owner']),
    );
    expect(params.find((param) => param.name === 'focus')).toMatchObject({
      type: 'reference',
      definition: 'http://hl7.org/fhir/SearchParameter/Task-focus',
    });
  });

  it('leaves out what is not implemented', () => {
    const names = searchParameters('Observation').map((param) => param.name);
    expect(names).not.toContain('value-quantity');
    expect(names).not.toContain('code-value-concept');
    expect(searchParameters('Patient').map((param) => param.name)).not.toContain('phonetic');
    expect(searchParameters('Location').map((param) => param.name)).not.toContain('near');
    expect(searchParameters('AuditEvent')).toEqual([]);
  });

  it('describes multi-type parameters for the type at hand', () => {
    const patient = searchParameters('MedicationRequest').find((param) => param.name === 'patient');
    expect(patient?.documentation).toMatch(/patient/i);
    expect(patient?.documentation).not.toContain('Multiple Resources');
  });
});
