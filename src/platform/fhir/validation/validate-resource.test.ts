import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Problem, type ProblemIssue } from '../../errors/problem.js';
import { loadValidationDefinitions, validateId, validateResource } from './index.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/eps', import.meta.url));
type Json = Record<string, unknown>;

const fixtureFiles = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
const readFixture = (file: string): Json => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Json;
const entryResources = (bundle: Json): Json[] =>
  ((bundle['entry'] as { resource: Json }[] | undefined) ?? []).map((entry) => entry.resource);
const clone = <T>(value: T): T => structuredClone(value);

/** The Problem's issues; fails the test when the input was accepted or something else was thrown. */
function issuesOf(input: unknown): ProblemIssue[] {
  try {
    validateResource(input);
  } catch (error) {
    expect(error).toBeInstanceOf(Problem);
    return (error as Problem).issues;
  }
  throw new Error('expected the resource to be rejected');
}

function expectIssue(input: unknown, expression: string, code = 'INVALID_VALUE'): ProblemIssue {
  const issues = issuesOf(input);
  const issue = issues.find((candidate) => candidate.expression === expression);
  expect(issue, `no issue at ${expression} in ${JSON.stringify(issues)}`).toBeDefined();
  expect(issue?.code).toBe(code);
  expect(issue?.diagnostics).toContain(expression);
  return issue as ProblemIssue;
}

const order = readFixture('prescription-order.json');
const medicationRequest = entryResources(order).find(
  (r) => r['resourceType'] === 'MedicationRequest',
) as Json;
const patient = entryResources(order).find((r) => r['resourceType'] === 'Patient') as Json;

beforeAll(() => loadValidationDefinitions());

describe('EPS fixtures', () => {
  it.each(fixtureFiles)('%s validates, with every entry', (file) => {
    const message = readFixture(file);
    expect(validateResource(message)).toBe(message);
    for (const resource of entryResources(message)) expect(validateResource(resource)).toBe(resource);
  });
});

describe('required bindings on codes', () => {
  it('rejects a bad Patient.gender', () => {
    const issue = expectIssue({ ...patient, gender: 'M' }, 'Patient.gender');
    expect(issue.diagnostics).toContain('male, female, other, unknown');
  });

  it('rejects a bad MedicationRequest.status and intent', () => {
    expectIssue({ ...medicationRequest, status: 'finished' }, 'MedicationRequest.status');
    expectIssue({ ...medicationRequest, intent: 'instruction' }, 'MedicationRequest.intent');
  });

  it('rejects a bad code in a data type, a backbone element and a Bundle entry', () => {
    expectIssue(
      { resourceType: 'Patient', name: [{ family: 'Ng' }, { family: 'Ng', use: 'nick' }] },
      'Patient.name[1].use',
    );
    expectIssue(
      { resourceType: 'Patient', contact: [{ name: { family: 'Ng' }, gender: 'x' }] },
      'Patient.contact[0].gender',
    );
    const message = clone(order);
    (entryResources(message)[1] as Json)['status'] = 'done';
    expectIssue(message, 'Bundle.entry[1].resource.status');
  });

  it('checks the bound codes of a Task', () => {
    const task = readFixture('withdraw.json');
    expectIssue({ ...task, intent: 'orders' }, 'Task.intent');
  });
});

describe('required bindings on CodeableConcept', () => {
  const system = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
  const condition = (clinicalStatus: unknown): Json => ({
    resourceType: 'Condition',
    subject: { reference: 'Patient/1' },
    clinicalStatus,
  });

  it('accepts a coding from the ValueSet, beside other codings', () => {
    const concept = {
      coding: [
        { system: 'http://snomed.info/sct', code: '55561003' },
        { system, code: 'active' },
      ],
    };
    expect(() => validateResource(condition(concept))).not.toThrow();
  });

  it('rejects a wrong code, a wrong system and text alone', () => {
    expectIssue(condition({ coding: [{ system, code: 'ongoing' }] }), 'Condition.clinicalStatus');
    expectIssue(
      condition({ coding: [{ system: 'http://example.org', code: 'active' }] }),
      'Condition.clinicalStatus',
    );
    expectIssue(condition({ text: 'Active' }), 'Condition.clinicalStatus');
  });
});

describe('structure', () => {
  it('rejects a wrong JSON type', () => {
    const issue = expectIssue({ ...patient, active: 'true' }, 'Patient.active');
    expect(issue.diagnostics).toContain('boolean');
  });

  it('rejects an unknown element', () => {
    expectIssue({ ...patient, nickname: 'Bob' }, 'Patient.nickname');
    expectIssue({ resourceType: 'Patient', name: [{ surname: 'Ng' }] }, 'Patient.name[0].surname');
  });

  it('reports a missing required element as MISSING_VALUE', () => {
    const { status: _status, ...withoutStatus } = medicationRequest;
    expectIssue(withoutStatus, 'MedicationRequest.status', 'MISSING_VALUE');
    const { medicationCodeableConcept: _medication, ...withoutMedication } = medicationRequest;
    expectIssue(withoutMedication, 'MedicationRequest.medication', 'MISSING_VALUE');
  });

  it('rejects bad date, dateTime and instant formats', () => {
    expectIssue({ ...patient, birthDate: '1990-02-30T00:00' }, 'Patient.birthDate');
    expectIssue({ ...patient, birthDate: '03/04/1990' }, 'Patient.birthDate');
    expectIssue({ ...medicationRequest, authoredOn: '2020-13-01' }, 'MedicationRequest.authoredOn');
    expectIssue({ resourceType: 'Patient', meta: { lastUpdated: '2020-01-01' } }, 'Patient.meta.lastUpdated');
  });

  it('rejects a bad id in the body', () => {
    expectIssue({ resourceType: 'Patient', id: 'has space' }, 'Patient.id');
  });

  it('rejects null, empty arrays, arrays for single values and two values of one choice', () => {
    expectIssue({ resourceType: 'Patient', gender: null }, 'Patient.gender');
    expectIssue({ resourceType: 'Patient', name: [] }, 'Patient.name');
    expectIssue({ resourceType: 'Patient', gender: ['male'] }, 'Patient.gender');
    expectIssue({ resourceType: 'Patient', name: [{}] }, 'Patient.name[0]');
    expectIssue(
      { resourceType: 'Patient', deceasedBoolean: true, deceasedDateTime: '2020' },
      'Patient.deceasedDateTime',
    );
  });

  it('accepts primitive extensions and nulls standing in for extension-only values', () => {
    const given = {
      given: ['Ann', null],
      _given: [null, { extension: [{ url: 'http://x.org', valueString: 'y' }] }],
    };
    expect(() => validateResource({ resourceType: 'Patient', name: [given] })).not.toThrow();
    expectIssue({ resourceType: 'Patient', _gender: 'x' }, 'Patient._gender');
  });

  it('evaluates invariants on resources and data types', () => {
    const period = { start: '2021-01-02', end: '2021-01-01' };
    expectIssue({ resourceType: 'Patient', name: [{ family: 'Ng', period }] }, 'Patient.name[0].period');
    expectIssue(
      { resourceType: 'Patient', managingOrganization: { reference: '#org' } },
      'Patient.managingOrganization',
    );
    const contained = [{ resourceType: 'Organization', id: 'org', name: 'Surgery' }];
    const withContained = { resourceType: 'Patient', contained, managingOrganization: { reference: '#org' } };
    expect(() => validateResource(withContained)).not.toThrow();
    expectIssue({ resourceType: 'Patient', extension: [{ url: 'http://x.org' }] }, 'Patient.extension[0]');
    const message = clone(order);
    (message['entry'] as Json[]).reverse();
    expectIssue(message, 'Bundle');
  });
});

describe('several problems', () => {
  it('reports them all in one Problem, the first as its headline', () => {
    const input: Json = {
      ...medicationRequest,
      status: 'x',
      intent: 'y',
      authoredOn: 'today',
      colour: 'red',
    };
    delete input['subject'];
    const issues = issuesOf(input);
    expect(issues.map((issue) => issue.expression).sort()).toEqual([
      'MedicationRequest.authoredOn',
      'MedicationRequest.colour',
      'MedicationRequest.intent',
      'MedicationRequest.status',
      'MedicationRequest.subject',
    ]);
    try {
      validateResource({ resourceType: 'Patient', gender: 'x', active: 1 });
    } catch (error) {
      const outcome = (error as Problem).toOperationOutcome();
      expect(outcome.issue).toHaveLength(2);
      expect(outcome.issue[0]?.expression).toEqual(['Patient.gender']);
      expect(outcome.issue[1]?.details?.coding?.[0]?.code).toBe('INVALID_VALUE');
    }
  });

  it('caps the list for pathological input', () => {
    const name = Array.from({ length: 500 }, () => ({ use: 'bogus' }));
    expect(issuesOf({ resourceType: 'Patient', name }).length).toBeLessThanOrEqual(51);
  });
});

describe('resource types', () => {
  it('validates R4 types this server does not store; storing them is the repository’s call', () => {
    expect(() =>
      validateResource({ resourceType: 'Condition', subject: { reference: 'Patient/1' } }),
    ).not.toThrow();
    expectIssue({ resourceType: 'Condition' }, 'Condition.subject', 'MISSING_VALUE');
  });

  it('rejects unknown and abstract resource types, and a nested one', () => {
    expect(issuesOf({ resourceType: 'Prescription' })[0]).toMatchObject({
      code: 'INVALID_VALUE',
      expression: 'resourceType',
    });
    expect(issuesOf({ resourceType: 'DomainResource' })[0]?.expression).toBe('resourceType');
    const message = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Foo' } }],
    };
    expectIssue(message, 'Bundle.entry[0].resource.resourceType');
  });

  it('rejects input that is not a resource with INVALID_VALUE and nothing but a Problem', () => {
    const deep: Json = { url: 'http://x.org', valueString: 'x' };
    let nested = deep;
    for (let level = 0; level < 5000; level++) nested = { url: 'http://x.org', extension: [nested] };
    const inputs = [
      null,
      undefined,
      'Patient',
      42,
      [],
      [{ resourceType: 'Patient' }],
      {},
      { resourceType: 7 },
      { resourceType: 'Patient', extension: [nested] },
    ];
    for (const input of inputs) expect(issuesOf(input)[0]?.code).toBe('INVALID_VALUE');
  });
});

describe('validateId', () => {
  it('accepts 1-64 of A-Z a-z 0-9 - .', () => {
    expect(() => validateId('a')).not.toThrow();
    expect(() => validateId('6a2624a2-321b-470e-91a6-8ae7a065e2f0')).not.toThrow();
    expect(() => validateId('A.b-9'.padEnd(64, 'x'))).not.toThrow();
  });

  it('throws a Problem otherwise', () => {
    for (const id of ['', 'a b', 'a/b', 'x'.repeat(65), 'é', 5 as unknown as string]) {
      expect(() => validateId(id)).toThrow(Problem);
    }
  });
});
