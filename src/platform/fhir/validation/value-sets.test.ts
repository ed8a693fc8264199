import type { Bundle, CodeSystem, ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { expandValueSet } from './definitions.js';
import { createValueSetExpander, type Expansion, indexTerminology, withoutVersion } from './value-sets.js';

const codeSystem = (
  url: string,
  content: CodeSystem['content'],
  concept: CodeSystem['concept'],
): CodeSystem => ({
  resourceType: 'CodeSystem',
  url,
  status: 'active',
  content,
  concept,
});
const valueSet = (url: string, compose: ValueSet['compose']): ValueSet => ({
  resourceType: 'ValueSet',
  url,
  status: 'active',
  compose,
});
const bundle = (...resources: (CodeSystem | ValueSet)[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'collection',
  entry: resources.map((resource) => ({ resource })),
});

const colours = codeSystem('http://x.org/colours', 'complete', [
  { code: 'red' },
  { code: 'blue', concept: [{ code: 'navy' }, { code: 'sky' }] },
]);
const expand = createValueSetExpander(
  indexTerminology([
    bundle(
      colours,
      codeSystem('http://x.org/partial', 'fragment', [{ code: 'a' }]),
      valueSet('http://x.org/vs/all-colours', { include: [{ system: 'http://x.org/colours' }] }),
      valueSet('http://x.org/vs/not-blue', {
        include: [{ valueSet: ['http://x.org/vs/all-colours'] }],
        exclude: [{ system: 'http://x.org/colours', concept: [{ code: 'blue' }] }],
      }),
      valueSet('http://x.org/vs/mixed', {
        include: [
          { system: 'http://x.org/colours', concept: [{ code: 'red' }] },
          { system: 'http://other.org', concept: [{ code: 'red' }, { code: 'green' }] },
        ],
      }),
      valueSet('http://x.org/vs/filtered', {
        include: [
          { system: 'http://x.org/colours', filter: [{ property: 'concept', op: 'is-a', value: 'blue' }] },
        ],
      }),
      valueSet('http://x.org/vs/external', { include: [{ system: 'http://snomed.info/sct' }] }),
      valueSet('http://x.org/vs/fragment', { include: [{ system: 'http://x.org/partial' }] }),
      valueSet('http://x.org/vs/uses-filtered', { include: [{ valueSet: ['http://x.org/vs/filtered'] }] }),
      valueSet('http://x.org/vs/loop', { include: [{ valueSet: ['http://x.org/vs/loop'] }] }),
    ),
  ]),
);

function codes(expansion: Expansion): string[] {
  if (!expansion.expandable) throw new Error(`not expandable: ${expansion.reason}`);
  return [...expansion.allowed.codes].sort();
}

describe('value set expansion', () => {
  it('takes every level of a complete code system', () => {
    expect(codes(expand('http://x.org/vs/all-colours'))).toEqual(['blue', 'navy', 'red', 'sky']);
  });

  it('follows nested value sets and applies excludes', () => {
    expect(codes(expand('http://x.org/vs/not-blue|1.0'))).toEqual(['navy', 'red', 'sky']);
  });

  it('keeps codes apart by system for Codings', () => {
    const expansion = expand('http://x.org/vs/mixed');
    if (!expansion.expandable) throw new Error(expansion.reason);
    expect([...(expansion.allowed.bySystem.get('http://x.org/colours') ?? [])]).toEqual(['red']);
    expect(codes(expansion)).toEqual(['green', 'red']);
  });

  it.each([
    ['http://x.org/vs/filtered', 'filter'],
    ['http://x.org/vs/external', 'not available locally'],
    ['http://x.org/vs/fragment', 'fragment'],
    ['http://x.org/vs/uses-filtered', 'filter'],
    ['http://x.org/vs/loop', 'includes itself'],
    ['http://x.org/vs/missing', 'not in the local definitions'],
  ])('does not expand %s (%s)', (url, reason) => {
    const expansion = expand(url);
    expect(expansion.expandable).toBe(false);
    if (!expansion.expandable) expect(expansion.reason).toContain(reason);
  });

  it('strips versions from canonicals', () => {
    expect(withoutVersion('http://hl7.org/fhir/ValueSet/task-intent|4.0.1')).toBe(
      'http://hl7.org/fhir/ValueSet/task-intent',
    );
  });
});

describe('the shipped R4 value sets', () => {
  it('expands those bound by the stored resources', () => {
    expect(codes(expandValueSet('http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1'))).toEqual([
      'female',
      'male',
      'other',
      'unknown',
    ]);
    expect(codes(expandValueSet('http://hl7.org/fhir/ValueSet/medicationrequest-status'))).toContain(
      'on-hold',
    );
    // Task intent takes "unknown" from its own system and the rest from request-intent.
    expect(codes(expandValueSet('http://hl7.org/fhir/ValueSet/task-intent'))).toEqual(
      expect.arrayContaining(['unknown', 'order', 'proposal']),
    );
    // Timing units list UCUM codes explicitly, so they expand without UCUM itself.
    expect(codes(expandValueSet('http://hl7.org/fhir/ValueSet/units-of-time'))).toEqual([
      'a',
      'd',
      'h',
      'min',
      'mo',
      's',
      'wk',
    ]);
  });

  it('skips the external terminologies', () => {
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/mimetypes').expandable).toBe(false);
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/currencies').expandable).toBe(false);
  });
});
