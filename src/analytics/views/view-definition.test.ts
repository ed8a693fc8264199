/** What the view compiler refuses, and the specification's rules the conformance cases do not reach. */
import { describe, expect, it } from 'vitest';
import { Problem } from '../../platform/errors/problem.js';
import { compileView, ViewRunError } from './view-definition.js';

const view = (select: unknown[], extra: Record<string, unknown> = {}) => ({
  resource: 'Patient',
  select,
  ...extra,
});

describe('compileView', () => {
  it('refuses what is not a valid view, as a 400 naming the element', () => {
    const bad: Array<[unknown, string]> = [
      [null, 'viewResource'],
      [{ select: [{ column: [{ name: 'a', path: 'id' }] }] }, 'resource'],
      [view([]), 'select'],
      [view([{ column: [{ name: '1a', path: 'id' }] }]), 'select[0].column[0].name'],
      [
        view([
          {
            column: [
              { name: 'a', path: 'id' },
              { name: 'a', path: 'id' },
            ],
          },
        ]),
        'select[0].column[1].name',
      ],
      [view([{ column: [{ name: 'a' }] }]), 'select[0].column[0].path'],
      [view([{ forEach: 'name', forEachOrNull: 'name', column: [] }]), 'select[0]'],
      [view([{ column: [{ name: 'a', path: 'id' }] }], { constant: [{ name: 'c' }] }), 'constant[0]'],
    ];
    for (const [input, expression] of bad) {
      let problem: unknown;
      try {
        compileView(input);
      } catch (error) {
        problem = error;
      }
      expect(problem, expression).toBeInstanceOf(Problem);
      expect((problem as Problem).status).toBe(400);
      expect((problem as Problem).issues[0]!.expression).toBe(expression);
    }
  });

  it('keeps several values only in a collection column', () => {
    const patient = { resourceType: 'Patient', id: 'p', name: [{ given: ['A', 'B'] }] };
    expect(() => compileView(view([{ column: [{ name: 'g', path: 'name.given' }] }])).run(patient)).toThrow(
      ViewRunError,
    );
    expect(
      compileView(view([{ column: [{ name: 'g', path: 'name.given', collection: true }] }])).run(patient),
    ).toEqual([{ g: ['A', 'B'] }]);
  });

  it('reads only its own resource type and gives the column order', () => {
    const compiled = compileView(
      view([{ column: [{ name: 'id', path: 'id' }] }, { column: [{ name: 'g', path: 'gender' }] }]),
    );
    expect(compiled.columns).toEqual(['id', 'g']);
    expect(compiled.run({ resourceType: 'Observation', id: 'o' } as object)).toEqual([]);
  });

  it('takes reference keys from relative and absolute references', () => {
    const compiled = compileView({
      resource: 'MedicationRequest',
      select: [{ column: [{ name: 'p', path: 'subject.getReferenceKey(Patient)' }] }],
    });
    expect(
      compiled.run({
        resourceType: 'MedicationRequest',
        subject: { reference: 'http://x/fhir/R4/Patient/9' },
      }),
    ).toEqual([{ p: '9' }]);
  });
});
