import { describe, expect, it } from 'vitest';
import { Problem } from '../../errors/problem.js';
import { parseSearchQuery } from './parse-query.js';
import { SEARCH_LIMITS } from './search-limits.js';

const parse = (type: string, query: string) => parseSearchQuery(type, new URLSearchParams(query));

function problemOf(type: string, query: string): Problem {
  try {
    parse(type, query);
  } catch (error) {
    expect(error).toBeInstanceOf(Problem);
    return error as Problem;
  }
  throw new Error(`${type}?${query} was accepted`);
}

const repeat = (count: number, item: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => item(i)).join('&');

describe('repeated and conflicting control parameters', () => {
  it.each([
    '_count=5&_count=0',
    '_count=0&_count=0',
    '_summary=false&_summary=count',
    '_total=none&_total=accurate',
    '_offset=0&_offset=10',
    '_sort=family&_sort=-_id',
    '_format=json&_format=xml',
    '_pretty=true&_pretty=false',
  ])('%s is a 400 naming the parameter', (query) => {
    const problem = problemOf('Patient', query);
    expect(problem.status).toBe(400);
    expect(problem.code).toBe('INVALID_VALUE');
    const name = query.split('=')[0];
    expect(problem.issues[0]?.expression).toBe(name);
    expect(problem.issues[0]?.diagnostics).toContain('more than once');
  });

  it.each([
    '_count=00',
    '_count=007',
    '_offset=01',
    '_count=+1',
    '_count= 0',
  ])('%s is not a FHIR integer', (query) => {
    const problem = problemOf('Patient', query);
    expect(problem.issues[0]?.expression).toBe(query.split('=')[0]);
    expect(problem.issues[0]?.diagnostics).toContain('non-negative integer');
  });

  it('refuses a count that also asks for no total', () => {
    for (const query of ['_summary=count&_total=none', '_count=0&_total=none']) {
      expect(problemOf('Patient', query).issues[0]?.expression).toBe('_total');
    }
  });

  it('still reads each control parameter given once, and repeated _include and _revinclude', () => {
    expect(parse('Patient', '_count=0').countOnly).toBe(true);
    expect(parse('Patient', '_summary=count&_total=accurate').countOnly).toBe(true);
    const request = parse(
      'MedicationRequest',
      '_include=MedicationRequest:subject&_include=MedicationRequest:requester&_revinclude=Task:focus',
    );
    expect(request.includes).toHaveLength(2);
    expect(request.revIncludes).toHaveLength(1);
  });
});

describe('limits on one search', () => {
  it(`allows ${SEARCH_LIMITS.repeatsPerParameter} repetitions of a parameter, refuses one more`, () => {
    const at = repeat(SEARCH_LIMITS.repeatsPerParameter, (i) => `name=a${i}`);
    expect(parse('Patient', at).filters).toHaveLength(SEARCH_LIMITS.repeatsPerParameter);
    const problem = problemOf('Patient', `${at}&name:exact=one-more`);
    expect(problem.issues[0]?.expression).toBe('name');
    expect(problem.issues[0]?.diagnostics).toContain(`at most ${SEARCH_LIMITS.repeatsPerParameter}`);
  });

  it('refuses the 300-name search that once held the database, before parsing a value', () => {
    const problem = problemOf(
      'Patient',
      repeat(300, (i) => `name=a${i}`),
    );
    expect(problem.status).toBe(400);
    expect(problem.issues[0]?.expression).toBe('name');
  });

  it(`allows ${SEARCH_LIMITS.orValues} ORed values in a search, refuses one more`, () => {
    const values = (count: number, from = 0) =>
      Array.from({ length: count }, (_, i) => `c${from + i}`).join(',');
    expect(parse('Observation', `code=${values(60)}&status=${values(40)}`).filters).toHaveLength(2);
    const problem = problemOf('Observation', `code=${values(60)}&status=${values(41)}`);
    expect(problem.issues[0]?.diagnostics).toContain(`at most ${SEARCH_LIMITS.orValues} values`);
    expect(problemOf('Patient', `_id=${values(101)}`).issues[0]?.diagnostics).toContain('101 values');
  });

  it(`allows ${SEARCH_LIMITS.conditions} conditions, refuses one more`, () => {
    const params = ['family', 'given', 'name', 'address', 'address-city'];
    const conditions = (count: number) => repeat(count, (i) => `${params[i % params.length]}=x${i}`);
    expect(parse('Patient', conditions(SEARCH_LIMITS.conditions)).filters).toHaveLength(20);
    const problem = problemOf('Patient', conditions(SEARCH_LIMITS.conditions + 1));
    expect(problem.issues[0]?.diagnostics).toContain(`at most ${SEARCH_LIMITS.conditions} search parameters`);
  });

  it('limits sort keys and includes', () => {
    expect(
      problemOf('Patient', '_sort=family,given,birthdate,gender,_id,_lastUpdated').issues[0],
    ).toMatchObject({ expression: '_sort' });
    const includes = repeat(6, () => '_include=MedicationRequest:subject');
    const revIncludes = repeat(5, () => '_revinclude=Task:focus');
    const problem = problemOf('MedicationRequest', `${includes}&${revIncludes}`);
    expect(problem.issues[0]?.diagnostics).toContain(`at most ${SEARCH_LIMITS.includes}`);
  });
});
