/** Shared set-up for the portal's API suites (not used at run time). */
import type { Patient, Resource } from '@medplum/fhirtypes';
import { ODS_SYSTEM } from '../../../src/nhs/index.js';
import { createResource } from '../../../src/platform/fhir/store/repository.js';
import { startTestApp, type TestApp } from '../../app.js';
import type { DatabaseKind } from '../../databases.js';
import type { TokenInput } from '../../tokens.js';

export interface Reply {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: test replies are inspected freely
  json(): any;
}

export interface PortalTest {
  t: TestApp;
  admin: string;
  clinician: string;
  call(
    authorization: string | undefined,
    method: string,
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply>;
  /** A new Patient (through the API, as an administrator) and a patient token for it. */
  patient(family: string): Promise<{ id: string; reference: string; token: string }>;
  token(input: TokenInput): Promise<string>;
  /** Stores a resource directly (types nobody may write through the API, e.g. MedicationRequest). */
  store<T extends Resource>(resource: T): Promise<T>;
  /** Outbox events of a type, oldest first. */
  events(type: string): Promise<Array<{ key: string; payload: Record<string, unknown> }>>;
  /** pathways_clinical_safety_events_total{hazard="HAZ-WRONG-PATIENT"} now. */
  wrongPatientEvents(): Promise<number>;
  /** Refused (outcome 4) audit records naming the patient. */
  refusedAudits(patient: string): Promise<Array<{ detail?: string; entity?: string }>>;
  close(): Promise<void>;
}

/** The hospital the suites' clinician works for, and whose patients the suites create. */
export const CLINICIAN_ORG = 'RXX01';

export const parameters = (...parameter: object[]) => ({ resourceType: 'Parameters', parameter });

export function errorCode(reply: Reply): string | undefined {
  return reply.json().issue?.[0]?.details?.coding?.[0]?.code;
}

export async function startPortalTest(
  kind: DatabaseKind,
  env: Record<string, string> = {},
): Promise<PortalTest> {
  const t = await startTestApp(kind, env);
  const admin = await t.bearer({ roles: ['admin'] });
  const clinician = await t.bearer({
    roles: ['clinician'],
    fhirUser: 'Practitioner/clinician-1',
    org: CLINICIAN_ORG,
  });
  const call: PortalTest['call'] = async (authorization, method, url, payload, headers = {}) =>
    (await t.pathways.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(payload !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
        ...(authorization ? { authorization } : {}),
        ...headers,
      },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    })) as unknown as Reply;
  return {
    t,
    admin,
    clinician,
    call,
    async patient(family) {
      const body: Patient = {
        resourceType: 'Patient',
        name: [{ family, given: ['Pat'] }],
        gender: 'unknown',
        // A patient of the hospital, so that its clinicians may read their records.
        managingOrganization: { identifier: { system: ODS_SYSTEM, value: CLINICIAN_ORG } },
      };
      const created = await call(admin, 'POST', '/fhir/R4/Patient', body);
      if (created.statusCode !== 201) throw new Error(`patient not created: ${created.body}`);
      const id = created.json().id as string;
      return {
        id,
        reference: `Patient/${id}`,
        token: await t.bearer({ roles: ['patient'], fhirUser: `Patient/${id}`, subject: `patient-${id}` }),
      };
    },
    token: (input) => t.bearer(input),
    async store(resource) {
      const result = await t.pathways.db.transaction((tx) => createResource(tx, resource));
      return result.resource as typeof resource;
    },
    async events(type) {
      const result = await t.pathways.db.query<{ key: string; payload: Record<string, unknown> }>(
        'SELECT key, payload FROM outbox_event WHERE type = $1 ORDER BY seq',
        [type],
      );
      return result.rows;
    },
    async wrongPatientEvents() {
      const metrics = (await t.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' })).body;
      const match = /pathways_clinical_safety_events_total\{hazard="HAZ-WRONG-PATIENT"\} (\d+)/.exec(metrics);
      return match ? Number(match[1]) : 0;
    },
    async refusedAudits(patient) {
      const result = await t.pathways.db.query<{ content: string }>(
        'SELECT content FROM audit_event WHERE patient = $1 ORDER BY seq',
        [patient],
      );
      return result.rows
        .map(
          (row) =>
            JSON.parse(row.content) as {
              outcome: string;
              outcomeDesc?: string;
              entity?: Array<{ what?: { reference?: string } }>;
            },
        )
        .filter((event) => event.outcome === '4')
        .map((event) => ({
          ...(event.outcomeDesc ? { detail: event.outcomeDesc } : {}),
          ...(event.entity?.[0]?.what?.reference ? { entity: event.entity[0].what.reference } : {}),
        }));
    },
    close: () => t.close(),
  };
}
