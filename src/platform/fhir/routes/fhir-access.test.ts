/**
 * The generic FHIR API from the wrong role, the wrong patient and with no token at all: refused,
 * audited, and for another patient's data also raised as a clinical-safety event.
 */
import type { AuditEvent, Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../../test/app.js';
import { databaseKinds } from '../../../../test/databases.js';
import { ODS_SYSTEM } from '../../../nhs/index.js';

const FHIR = { 'content-type': 'application/fhir+json' };

describe.each(databaseKinds)('FHIR access control on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let mine: Patient;
  let theirs: Patient;
  let theirObservation: Observation;

  const call = (authorization: string | undefined, method: string, url: string, payload?: unknown) =>
    t.pathways.app.inject({
      method: method as 'GET',
      url,
      headers: { ...FHIR, ...(authorization ? { authorization } : {}) },
      ...(payload ? { payload: payload as object } : {}),
    });
  const auditRows = async (patient: string) =>
    (
      await t.pathways.db.query<{ content: string }>(
        'SELECT content FROM audit_event WHERE patient = $1 ORDER BY seq',
        [patient],
      )
    ).rows.map((row) => JSON.parse(row.content) as { outcome: string; subtype?: Array<{ code: string }> });

  beforeAll(async () => {
    t = await startTestApp(kind);
    admin = await t.bearer({ roles: ['admin'] });
    const patient = (family: string): Patient => ({
      resourceType: 'Patient',
      name: [{ family }],
      gender: 'unknown',
      // Patients of the hospital, so that its staff may read and count them.
      managingOrganization: {
        identifier: { system: ODS_SYSTEM, value: 'RR8' },
      },
    });
    mine = (await call(admin, 'POST', '/fhir/R4/Patient', patient('Mine'))).json();
    theirs = (await call(admin, 'POST', '/fhir/R4/Patient', patient('Theirs'))).json();
    const observation = (subject: Patient): Observation => ({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Blood pressure' },
      subject: { reference: `Patient/${subject.id}` },
    });
    await call(admin, 'POST', '/fhir/R4/Observation', observation(mine));
    theirObservation = (await call(admin, 'POST', '/fhir/R4/Observation', observation(theirs))).json();
  });
  afterAll(() => t.close());

  it('answers a call without a token with 401 and a Bearer challenge, but serves the CapabilityStatement', async () => {
    const response = await call(undefined, 'GET', `/fhir/R4/Patient/${mine.id}`);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.json().resourceType).toBe('OperationOutcome');
    expect((await call(undefined, 'GET', '/fhir/R4/metadata')).statusCode).toBe(200);
    expect((await call('Bearer not.a.token', 'GET', `/fhir/R4/Patient/${mine.id}`)).statusCode).toBe(401);
  });

  it('refuses a write from the wrong role with 403 FORBIDDEN and stores nothing', async () => {
    const dispenser = await t.bearer({ roles: ['dispenser'], org: 'FCG71' });
    const response = await call(dispenser, 'POST', '/fhir/R4/Patient', { resourceType: 'Patient' });
    expect(response.statusCode).toBe(403);
    expect(response.json().issue[0].details.coding[0].code).toBe('FORBIDDEN');
    const adminWritesPrescription = await call(admin, 'POST', '/fhir/R4/MedicationRequest', {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${mine.id}` },
      medicationCodeableConcept: { text: 'x' },
    });
    expect(adminWritesPrescription.statusCode).toBe(403);
    const count = await t.pathways.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM fhir_resource WHERE resource_type = 'MedicationRequest'",
    );
    expect(count.rows[0]?.n).toBe(0);
  });

  it('challenges a register change without a recent one-time code (RFC 9470 step-up)', async () => {
    const stale = await t.bearer({
      roles: ['registrar'],
      amr: ['pwd', 'otp'],
      authTime: Math.floor(Date.now() / 1000) - 3600,
    });
    const practitioner = {
      resourceType: 'Practitioner',
      identifier: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: `${Date.now() % 10_000_000}` }],
    };
    const response = await call(stale, 'POST', '/fhir/R4/Practitioner', practitioner);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');
    expect(response.headers['www-authenticate']).toContain('max_age=900');
    const fresh = await t.bearer({ roles: ['registrar'] });
    expect((await call(fresh, 'POST', '/fhir/R4/Practitioner', practitioner)).statusCode).toBe(201);
  });

  it("gives a patient their own record and nothing of another patient's, audited as a safety event", async () => {
    const patient = await t.bearer({ roles: ['patient'], fhirUser: `Patient/${mine.id}` });
    expect((await call(patient, 'GET', `/fhir/R4/Patient/${mine.id}`)).statusCode).toBe(200);

    const other = await call(patient, 'GET', `/fhir/R4/Patient/${theirs.id}`);
    expect(other.statusCode).toBe(403);
    expect(other.body).not.toContain('Theirs');
    const otherObservation = await call(patient, 'GET', `/fhir/R4/Observation/${theirObservation.id}`);
    expect(otherObservation.statusCode).toBe(403);

    const search = (await call(patient, 'GET', '/fhir/R4/Observation')).json() as Bundle;
    const subjects = (search.entry ?? []).map((entry) => (entry.resource as Observation).subject?.reference);
    expect(subjects).toEqual([`Patient/${mine.id}`]);
    // The search is one AuditEvent for the patient, naming what it returned.
    const searches = (await auditRows(`Patient/${mine.id}`)).filter(
      (row) => row.subtype?.[0]?.code === 'search-type',
    ) as unknown as AuditEvent[];
    expect(searches.at(-1)?.entity?.map((entity) => entity.what?.reference ?? entity.what?.type)).toEqual(
      expect.arrayContaining([
        'Observation',
        ...(search.entry ?? []).map((entry) => `Observation/${entry.resource!.id}`),
      ]),
    );

    const refused = (await auditRows(`Patient/${theirs.id}`)).filter((row) => row.outcome === '4');
    expect(refused.length).toBeGreaterThanOrEqual(2);
    const metrics = (await t.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/pathways_clinical_safety_events_total\{hazard="HAZ-WRONG-PATIENT"\} [1-9]/);
  });

  it("counts for a patient only their own records, never other patients'", async () => {
    const patient = await t.bearer({ roles: ['patient'], fhirUser: `Patient/${mine.id}` });
    for (const query of ['_summary=count', '_count=0', '_total=accurate']) {
      const response = await call(patient, 'GET', `/fhir/R4/Patient?${query}`);
      expect(response.statusCode, query).toBe(200);
      expect(response.json().total, query).toBe(1);
    }
    // Some of a patient's own results may not be released to them yet: no counts of those.
    expect((await call(patient, 'GET', '/fhir/R4/Observation?_summary=count')).statusCode).toBe(403);
    const staff = await t.bearer({ roles: ['clinician'], org: 'RR8' });
    expect((await call(staff, 'GET', '/fhir/R4/Patient?_summary=count')).json().total).toBeGreaterThan(1);
  });

  it('refuses register resources in transaction Bundles (their declared rules run one write at a time)', async () => {
    const registrar = await t.bearer({ roles: ['registrar'] });
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: {
            resourceType: 'Practitioner',
            identifier: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: '7654321' }],
          },
          request: { method: 'POST', url: 'Practitioner' },
        },
      ],
    };
    const response = await call(registrar, 'POST', '/fhir/R4', bundle);
    expect(response.statusCode).toBe(403);
    expect(response.json().issue[0].diagnostics).toMatch(
      /Practitioner is written one at a time .* not in a transaction/,
    );
  });

  it('keeps patients out of transactions and of other patients’ consent', async () => {
    const patient = await t.bearer({ roles: ['patient'], fhirUser: `Patient/${mine.id}` });
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [] };
    expect((await call(patient, 'POST', '/fhir/R4', bundle)).statusCode).toBe(403);
    const consent = (subject: Patient) => ({
      resourceType: 'Consent',
      status: 'active',
      scope: { text: 'contact' },
      category: [{ text: 'contact preferences' }],
      patient: { reference: `Patient/${subject.id}` },
      policyRule: { text: 'patient preference' },
    });
    expect((await call(patient, 'POST', '/fhir/R4/Consent', consent(theirs))).statusCode).toBe(403);
    expect((await call(patient, 'POST', '/fhir/R4/Consent', consent(mine))).statusCode).toBe(201);
  });

  it('lets only the service desk and admins search the audit trail', async () => {
    const url = `/fhir/R4/AuditEvent?patient=Patient/${mine.id}`;
    const patient = await t.bearer({ roles: ['patient'], fhirUser: `Patient/${mine.id}` });
    expect((await call(patient, 'GET', url)).statusCode).toBe(403);
    expect((await call(undefined, 'GET', url)).statusCode).toBe(401);
    const desk = await t.bearer({ roles: ['service-desk'] });
    const found = await call(desk, 'GET', url);
    expect(found.statusCode).toBe(200);
    expect((found.json() as Bundle).entry?.length).toBeGreaterThan(0);
  });
});
