/**
 * HAZ-WRONG-PATIENT through search: a patient's searches are narrowed to their own compartment in
 * SQL before counting and paging, so every answer — entries, `total`, `next` links, offsets past
 * the end, includes, conditional creates — is byte for byte the same whether or not other
 * patients' matching records exist. Each query below is asked before and after other patients'
 * records (ids sorting before and after the caller's, same codes, names and dates) are stored.
 * The search limits (search-limits.ts) are checked over HTTP here too.
 */
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../../test/app.js';
import { databaseKinds } from '../../../../test/databases.js';
import { NHS_NUMBER_SYSTEM } from '../../../nhs/index.js';
import { createResource } from '../store/repository.js';

const NOW = new Date('2024-06-01T09:00:00Z');

interface Answer {
  status: number;
  body: string;
  events: number;
}

/** The caller's records, and the same shapes for another patient under ids `${prefix}…`. */
function records(patient: string, nhsNumber: string, prefix: string): Resource[] {
  const subject = { reference: `Patient/${patient}` };
  const medication = (n: number): Resource => ({
    resourceType: 'MedicationRequest',
    id: `${prefix}mr${n}`,
    status: 'active',
    intent: 'order',
    subject,
    requester: { reference: 'Practitioner/gp' },
    medicationCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '27658006' }] },
    authoredOn: `2024-05-0${n}`,
  });
  return [
    {
      resourceType: 'Patient',
      id: patient,
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }],
      name: [{ family: 'Shared', given: ['Sam'] }],
      birthDate: '1980-01-01',
      gender: 'unknown',
    },
    medication(1),
    medication(2),
    medication(3),
    {
      resourceType: 'Appointment',
      id: `${prefix}appt`,
      status: 'booked',
      start: '2024-07-01T10:00:00Z',
      end: '2024-07-01T10:15:00Z',
      participant: [{ actor: subject, status: 'accepted' }],
    },
    {
      resourceType: 'Observation',
      id: `${prefix}obs`,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
      subject,
    },
    {
      resourceType: 'DiagnosticReport',
      id: `${prefix}report`,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '58410-2' }] },
      subject,
    },
    {
      resourceType: 'Consent',
      id: `${prefix}consent`,
      status: 'active',
      scope: { text: 'contact' },
      category: [{ text: 'contact preferences' }],
      patient: subject,
      policyRule: { text: 'patient preference' },
    },
  ];
}

const QUERIES = [
  `Patient?identifier=${NHS_NUMBER_SYSTEM}|9000000009,${NHS_NUMBER_SYSTEM}|9000000017&_count=1&_sort=-_id`,
  `Patient?identifier=${NHS_NUMBER_SYSTEM}|9000000017,${NHS_NUMBER_SYSTEM}|9000000009&_count=1`,
  'Patient?family=Shared&birthdate=1980-01-01&_count=0',
  'Patient?family=Shared&birthdate=1980-01-01&_count=00',
  'Patient?family=Shared&_total=accurate',
  'Patient?family=Shared&_summary=count',
  'Patient?family=Shared&_count=5&_count=0',
  'Patient?family=Shared&_summary=false&_summary=count',
  'Patient?family=Shared&_total=none&_total=accurate',
  'Patient?_revinclude=MedicationRequest:subject&_count=1',
  'MedicationRequest?_count=1',
  'MedicationRequest?_count=1&_offset=1',
  'MedicationRequest?_count=1&_offset=2',
  'MedicationRequest?_count=1&_offset=3',
  'MedicationRequest?_count=1&_offset=6',
  'MedicationRequest?code=27658006&_summary=count',
  'MedicationRequest?code=27658006&_count=2&_sort=-_id&_total=accurate',
  'MedicationRequest?subject=Patient/a-other&_count=1',
  'MedicationRequest?subject=Patient/a-other&code=27658006&_summary=count',
  'MedicationRequest?authoredon=ge2024-05-02&_count=1&_sort=authoredon&_include=MedicationRequest:subject',
  'Practitioner?_revinclude=MedicationRequest:requester',
  'Appointment?_count=1',
  'Appointment?status=booked&_total=accurate',
  'Appointment?status=booked&_count=1&_offset=1',
  'Observation?_count=1',
  'Observation?code=718-7&_count=1&_offset=1',
  'Observation?_summary=count',
  'DiagnosticReport?_count=1',
  'DiagnosticReport?_total=accurate',
  'Consent?_count=1',
  'Consent?status=active&_total=accurate',
  'Consent?status=active&_count=1&_offset=1',
];

describe.each(databaseKinds)('patient searches see only their own compartment on %s', (kind) => {
  let t: TestApp;
  let me: string;
  let staff: string;
  const before = new Map<string, Answer>();

  const get = async (authorization: string, url: string) => {
    const response = await t.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/${url}`,
      headers: { authorization },
    });
    return { status: response.statusCode, body: response.body };
  };
  /** The answer, and how many HAZ-WRONG-PATIENT events asking raised. */
  const ask = async (query: string): Promise<Answer> => {
    const events = await wrongPatientEvents();
    const answer = await get(me, query);
    return { ...answer, events: (await wrongPatientEvents()) - events };
  };
  const store = (resources: Resource[]) =>
    t.pathways.db.transaction(async (tx) => {
      for (const resource of resources) await createResource(tx, resource, { id: resource.id!, now: NOW });
    });
  const wrongPatientEvents = async () => {
    const metrics = (await t.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(
      /pathways_clinical_safety_events_total\{hazard="HAZ-WRONG-PATIENT"\} (\d+)/.exec(metrics)?.[1] ?? 0,
    );
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    me = await t.bearer({ roles: ['patient'], fhirUser: 'Patient/m-me' });
    // An admin reads every patient's records (staff of one organisation read only related ones).
    staff = await t.bearer({ roles: ['admin'] });
    await store([{ resourceType: 'Practitioner', id: 'gp', name: [{ family: 'Jones' }] }]);
    await store(records('m-me', '9000000009', 'm-'));
    for (const query of QUERIES) before.set(query, await ask(query));
    await store(records('a-other', '9000000017', 'a-'));
    await store(records('z-other', '9000000025', 'z-'));
  });
  afterAll(() => t.close());

  it('found the records being compared (staff see every patient’s)', async () => {
    const count = async (query: string) => JSON.parse((await get(staff, query)).body).total;
    expect(await count('MedicationRequest?code=27658006&_summary=count')).toBe(9);
    expect(await count('Patient?family=Shared&_summary=count')).toBe(3);
    expect(JSON.parse(before.get('MedicationRequest?_count=1')!.body).entry).toHaveLength(1);
    expect(JSON.parse(before.get('Patient?family=Shared&_summary=count')!.body).total).toBe(1);
  });

  it.each(QUERIES)('%s answers the same with other patients’ records stored', async (query) => {
    expect(await ask(query)).toEqual(before.get(query));
  });

  it('raises a safety event only for a query naming another patient, judged from the query alone', () => {
    for (const [query, answer] of before) {
      expect(answer.events, query).toBe(query.includes('Patient/a-other') ? 1 : 0);
    }
  });

  it('answers the control-parameter tricks that once counted every patient with a 400', () => {
    for (const query of QUERIES.filter((q) => /_count=00|&_count=0$|_summary=false&|_total=none&/.test(q))) {
      if (query.endsWith('_count=0')) continue;
      expect(before.get(query)?.status, query).toBe(400);
    }
    expect(JSON.parse(before.get('Patient?family=Shared&birthdate=1980-01-01&_count=0')!.body).total).toBe(1);
    expect(before.get('Observation?_summary=count')?.status).toBe(403);
  });

  it('matches a conditional create only against the caller’s own records', async () => {
    const consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: { text: 'contact' },
      category: [{ text: 'contact preferences' }],
      patient: { reference: 'Patient/m-me' },
      policyRule: { text: 'patient preference' },
    };
    const create = (ifNoneExist: string) =>
      t.pathways.app.inject({
        method: 'POST',
        url: '/fhir/R4/Consent',
        headers: { authorization: me, 'content-type': 'application/fhir+json', 'if-none-exist': ifNoneExist },
        payload: consent,
      });
    const theirs = await create('_id=a-consent');
    expect(theirs.statusCode).toBe(201);
    expect(theirs.body).not.toContain('a-other');
    const twoOfTheirs = await create('_id=a-consent,z-consent');
    expect(twoOfTheirs.statusCode).toBe(201);
    const mine = await create('_id=m-consent');
    expect(mine.statusCode).toBe(200);
    expect(mine.json().id).toBe('m-consent');
  });

  it('answers the 300-name search that once held the database with a 400 naming the limit', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `name=a${i}`).join('&');
    const response = await t.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/Patient?${names}`,
      headers: { authorization: me },
    });
    expect(response.statusCode).toBe(400);
    const issue = response.json().issue[0];
    expect(issue.details.coding[0].code).toBe('INVALID_VALUE');
    expect(issue.expression).toEqual(['name']);
    expect(issue.diagnostics).toContain('at most 10 repetitions');
  });

  it('refuses a history parameter given twice', async () => {
    const staff = await t.bearer({ roles: ['clinician'], org: 'RXX01' });
    const response = await t.pathways.app.inject({
      method: 'GET',
      url: '/fhir/R4/Patient/m-me/_history?_count=5&_count=1',
      headers: { authorization: staff },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().issue[0].expression).toEqual(['_count']);
  });
});
