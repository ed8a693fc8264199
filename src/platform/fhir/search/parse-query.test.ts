import { describe, expect, it } from 'vitest';
import { Problem } from '../../errors/problem.js';
import { parseSearchQuery } from './parse-query.js';
import { parseDateCondition, parseTokenValues, splitOrValues, splitSystem } from './parse-values.js';

const parse = (type: string, query: string) => parseSearchQuery(type, new URLSearchParams(query));

describe('value splitting', () => {
  it('splits OR values on unescaped commas and unescapes', () => {
    expect(splitOrValues('a,b\\,c,d\\\\')).toEqual(['a', 'b,c', 'd\\']);
    expect(splitSystem('s|c|d')).toEqual(['s', 'c|d']);
    expect(splitSystem('s\\|c')).toEqual([undefined, 's|c']);
  });

  it('reads the four token forms', () => {
    expect(parseTokenValues('s|c,c2,|c3,s2|', 'x')).toEqual([
      { system: 's', code: 'c' },
      { system: undefined, code: 'c2' },
      { system: null, code: 'c3' },
      { system: 's2', code: undefined },
    ]);
  });

  it('reads date prefixes, defaulting to eq', () => {
    expect(parseDateCondition('2024', 'd').prefix).toBe('eq');
    expect(parseDateCondition('ge2024-05-01', 'd').prefix).toBe('ge');
    expect(parseDateCondition('sa2024-05-01T10:00:00Z', 'd').prefix).toBe('sa');
    expect(() => parseDateCondition('zz2024', 'd')).toThrow(Problem);
  });
});

describe('parseSearchQuery', () => {
  it('turns parameters into ANDed filters with ORed values', () => {
    const request = parse(
      'Task',
      'focus:identifier=ABC&status=requested,accepted&status:not=failed&authored-on=ge2024',
    );
    expect(request.filters).toEqual([
      {
        kind: 'reference',
        param: 'focus',
        conditions: [{ kind: 'identifier', system: undefined, value: 'ABC' }],
      },
      {
        kind: 'token',
        param: 'status',
        not: false,
        conditions: [
          { system: undefined, code: 'requested' },
          { system: undefined, code: 'accepted' },
        ],
      },
      { kind: 'token', param: 'status', not: true, conditions: [{ system: undefined, code: 'failed' }] },
      { kind: 'date', param: 'authored-on', conditions: [expect.objectContaining({ prefix: 'ge' })] },
    ]);
  });

  it('reads references in every form', () => {
    const conditions = (query: string) => {
      const filter = parse('MedicationRequest', query).filters[0];
      return filter?.kind === 'reference' ? filter.conditions : undefined;
    };
    expect(conditions('subject=Patient/1')).toEqual([{ kind: 'literal', type: 'Patient', id: '1' }]);
    expect(conditions('subject=1')).toEqual([{ kind: 'literal', type: undefined, id: '1' }]);
    expect(conditions('subject:Patient=1')).toEqual([{ kind: 'literal', type: 'Patient', id: '1' }]);
    expect(conditions('subject=http://h/fhir/Patient/1/_history/2')).toEqual([
      { kind: 'literal', type: 'Patient', id: '1' },
    ]);
    expect(conditions('subject:identifier=sys|v')).toEqual([
      { kind: 'identifier', system: 'sys', value: 'v' },
    ]);
  });

  it('reads the result parameters', () => {
    const request = parse(
      'MedicationRequest',
      '_count=50&_offset=100&_sort=-authoredon,_id&_include=MedicationRequest:subject:Patient' +
        '&_revinclude=Task:focus&_total=accurate&_format=json',
    );
    expect(request).toMatchObject({
      count: 50,
      offset: 100,
      sort: [
        { param: 'authoredon', descending: true },
        { param: '_id', descending: false },
      ],
      includes: [{ sourceType: 'MedicationRequest', param: 'subject', targetType: 'Patient' }],
      revIncludes: [{ sourceType: 'Task', param: 'focus', targetType: undefined }],
      total: 'accurate',
      countOnly: false,
      filters: [],
    });
  });

  it('defaults to 20 a page, caps at 1000, and treats _count=0 as count only', () => {
    expect(parse('Patient', '').count).toBe(20);
    expect(parse('Patient', '_count=1001').count).toBe(1000);
    expect(parse('Patient', '_count=0').countOnly).toBe(true);
    expect(parse('Patient', '_summary=count').countOnly).toBe(true);
  });

  it('reads string modifiers and :missing', () => {
    expect(parse('Patient', 'family:exact=Smith').filters[0]).toMatchObject({ match: 'exact' });
    expect(parse('Patient', 'family:contains=mi').filters[0]).toMatchObject({ match: 'contains' });
    expect(parse('Patient', 'family=Sm').filters[0]).toMatchObject({ match: 'starts-with' });
    expect(parse('Patient', 'birthdate:missing=true').filters[0]).toEqual({
      kind: 'missing',
      param: 'birthdate',
      table: 'search_date',
      missing: true,
    });
  });

  it('names the offending parameter in the Problem', () => {
    try {
      parse('Patient', 'name=x&colour=blue');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(Problem);
      const problem = error as Problem;
      expect(problem.code).toBe('INVALID_VALUE');
      expect(problem.issues[0]?.diagnostics).toContain("'colour'");
      expect(problem.issues[0]?.expression).toBe('colour');
    }
  });
});
