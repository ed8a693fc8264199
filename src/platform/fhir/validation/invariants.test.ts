import { type Constraint, getDataType } from '@medplum/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_TYPES } from '../resource-types.js';
import { compiledType } from './compiled-schema.js';
import { loadValidationDefinitions } from './index.js';
import { PREDICATES_BY_EXPRESSION } from './invariant-predicates.js';
import { fhirPathPredicate, type InvariantScope, NOT_EVALUATED_CONSTRAINTS } from './invariants.js';

type Json = Record<string, unknown>;

beforeAll(() => loadValidationDefinitions());

/** Every type a stored or message resource can hold, down through Extension.value[x]. */
function reachableTypes(): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const property of compiledType(name)?.properties.values() ?? []) {
      if (property.kind === 'complex') visit(property.typeCode);
    }
  };
  for (const type of [...RESOURCE_TYPES, 'Bundle', 'MessageHeader', 'Parameters', 'OperationOutcome'])
    visit(type);
  return seen;
}

describe('hand-written invariants', () => {
  it('cover every invariant the stored and message types can meet, so none goes through slow FHIRPath', () => {
    const viaFhirPath: string[] = [];
    for (const name of reachableTypes()) {
      const schema = getDataType(name);
      const constraints: Constraint[] = [
        ...(schema.constraints ?? []),
        ...Object.values(schema.elements).flatMap((element) => element.constraints ?? []),
      ];
      for (const constraint of constraints) {
        if (constraint.severity !== 'error' || NOT_EVALUATED_CONSTRAINTS.has(constraint.key)) continue;
        if (!PREDICATES_BY_EXPRESSION[constraint.expression]) viaFhirPath.push(`${name}: ${constraint.key}`);
      }
    }
    expect(viaFhirPath).toEqual([]);
  });

  const UCUM = 'http://unitsofmeasure.org';
  const cases: [typeName: string, expression: string, value: Json, rootResource?: Json][] = [
    ['Extension', 'extension.exists() != value.exists()', { url: 'u', valueString: 'x' }],
    ['Extension', 'extension.exists() != value.exists()', { url: 'u' }],
    [
      'Extension',
      'extension.exists() != value.exists()',
      { url: 'u', valueCode: 'x', extension: [{ url: 'v' }] },
    ],
    [
      'Period',
      'start.hasValue().not() or end.hasValue().not() or (start <= end)',
      { start: '2020-01-01', end: '2021' },
    ],
    [
      'Period',
      'start.hasValue().not() or end.hasValue().not() or (start <= end)',
      { start: '2022-01-01', end: '2021-12-31' },
    ],
    ['Quantity', 'code.empty() or system.exists()', { value: 1, code: 'mg' }],
    ['Quantity', 'code.empty() or system.exists()', { value: 1, code: 'mg', system: UCUM }],
    ['ContactPoint', 'value.empty() or system.exists()', { value: '0123' }],
    [
      'Duration',
      'code.exists() implies ((system = %ucum) and value.exists())',
      { value: 1, code: 'd', system: UCUM },
    ],
    [
      'Duration',
      'code.exists() implies ((system = %ucum) and value.exists())',
      { value: 1, code: 'd', system: 'x' },
    ],
    [
      'Range',
      'low.empty() or high.empty() or (low <= high)',
      { low: { value: 5, system: UCUM, code: 'mg' }, high: { value: 2, system: UCUM, code: 'mg' } },
    ],
    [
      'Ratio',
      '(numerator.empty() xor denominator.exists()) and (numerator.exists() or extension.exists())',
      { numerator: { value: 1 } },
    ],
    [
      'Ratio',
      '(numerator.empty() xor denominator.exists()) and (numerator.exists() or extension.exists())',
      { numerator: { value: 1 }, denominator: { value: 2 } },
    ],
    ['TimingRepeat', 'duration.empty() or durationUnit.exists()', { duration: 2 }],
    ['TimingRepeat', 'duration.exists() implies duration >= 0', { duration: -2, durationUnit: 'h' }],
    [
      'TimingRepeat',
      "offset.empty() or (when.exists() and when.select($this in ('C' | 'CM' | 'CD' | 'CV')).allFalse())",
      { offset: 10, when: ['ACM'] },
    ],
    [
      'TimingRepeat',
      "offset.empty() or (when.exists() and when.select($this in ('C' | 'CM' | 'CD' | 'CV')).allFalse())",
      { offset: 10, when: ['CM'] },
    ],
    [
      'TimingRepeat',
      "offset.empty() or (when.exists() and when.select($this in ('C' | 'CM' | 'CD' | 'CV')).allFalse())",
      { offset: 10 },
    ],
    [
      'PatientContact',
      'name.exists() or telecom.exists() or address.exists() or organization.exists()',
      { gender: 'male' },
    ],
    [
      'Organization',
      '(identifier.count() + name.count()) > 0',
      { resourceType: 'Organization', active: true },
    ],
    [
      'Group',
      'member.empty() or (actual = true)',
      {
        resourceType: 'Group',
        type: 'person',
        actual: false,
        member: [{ entity: { reference: 'Patient/1' } }],
      },
    ],
    [
      'Group',
      'member.empty() or (actual = true)',
      {
        resourceType: 'Group',
        type: 'person',
        actual: true,
        member: [{ entity: { reference: 'Patient/1' } }],
      },
    ],
    ['Group', 'member.empty() or (actual = true)', { resourceType: 'Group', type: 'person', actual: false }],
    ['Address', "where(use = 'home').empty()", { use: 'home', city: 'Leeds' }],
    [
      'MedicationDispense',
      'whenHandedOver.empty() or whenPrepared.empty() or whenHandedOver >= whenPrepared',
      { resourceType: 'MedicationDispense', whenPrepared: '2021-01-02', whenHandedOver: '2021-01-01' },
    ],
    [
      'Task',
      'lastModified.exists().not() or authoredOn.exists().not() or lastModified >= authoredOn',
      { resourceType: 'Task', authoredOn: '2021-01-01', lastModified: '2021-01-03' },
    ],
    [
      'Appointment',
      "(start.exists() and end.exists()) or (status in ('proposed' | 'cancelled' | 'waitlist'))",
      { resourceType: 'Appointment', status: 'booked' },
    ],
    [
      'Observation',
      'dataAbsentReason.empty() or value.empty()',
      { resourceType: 'Observation', valueString: 'x', dataAbsentReason: { text: 'x' } },
    ],
    [
      'Observation',
      'value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()',
      {
        resourceType: 'Observation',
        code: { coding: [{ system: 's', code: 'c' }] },
        valueString: 'x',
        component: [{ code: { coding: [{ system: 's', code: 'other' }] } }],
      },
    ],
    [
      'Bundle',
      "type = 'message' implies entry.first().resource.is(MessageHeader)",
      { resourceType: 'Bundle', type: 'message', entry: [{ resource: { resourceType: 'Patient' } }] },
    ],
    [
      'Bundle',
      "entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or %resource.type = 'history'))",
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'GET', url: 'Patient' } }, { resource: { resourceType: 'Patient' } }],
      },
    ],
    [
      'Bundle',
      "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()",
      {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { fullUrl: 'urn:a', resource: { resourceType: 'Patient' } },
          { fullUrl: 'urn:a', resource: { resourceType: 'Patient' } },
        ],
      },
    ],
    [
      'BundleEntry',
      "fullUrl.exists() implies fullUrl.contains('/_history/').not()",
      { fullUrl: 'http://x.org/Patient/1/_history/2' },
    ],
    [
      'ParametersParameter',
      '(part.exists() and value.empty() and resource.empty()) or (part.empty() and (value.exists() xor resource.exists()))',
      { name: 'x', valueString: 'a', resource: { resourceType: 'Patient' } },
    ],
    [
      'ParametersParameter',
      '(part.exists() and value.empty() and resource.empty()) or (part.empty() and (value.exists() xor resource.exists()))',
      { name: 'x', part: [{ name: 'y', valueString: 'a' }] },
    ],
  ];

  it.each(cases)('%s: %s agrees with FHIRPath on %j', (typeName, expression, value, rootResource) => {
    const resource = value['resourceType'] ? value : (rootResource ?? { resourceType: 'Patient' });
    const scope: InvariantScope = { value, typeName, resource, rootResource: resource };
    const handWritten = PREDICATES_BY_EXPRESSION[expression];
    const viaFhirPath = fhirPathPredicate(expression);
    expect(handWritten, 'no hand-written predicate').toBeDefined();
    expect(handWritten?.(scope)).toBe(viaFhirPath?.(scope));
  });

  it('catches a component coded like its Observation (obs-7), which Medplum’s FHIRPath intersect misses', () => {
    const observation = {
      resourceType: 'Observation',
      code: { coding: [{ system: 's', code: 'c' }] },
      valueString: 'x',
      component: [{ code: { coding: [{ code: 'c', system: 's' }] } }],
    };
    const scope = {
      value: observation,
      typeName: 'Observation',
      resource: observation,
      rootResource: observation,
    };
    const obs7 =
      'value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()';
    expect(PREDICATES_BY_EXPRESSION[obs7]?.(scope)).toBe(false);
  });
});
