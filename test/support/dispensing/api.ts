/** HTTP calls of the dispensing API for tests. */
import type { Bundle, OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { startTestApp, type TestApp } from '../../app.js';
import type { DatabaseKind } from '../../databases.js';
import { registerPrescriber } from '../prescribing/prescriber.js';

export function dispensingApi(app: TestApp) {
  const post = (url: string, body: unknown, authorization: string) =>
    app.pathways.app.inject({
      method: 'POST',
      url,
      headers: { authorization, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(body),
    });
  return {
    post,
    pharmacist: (ods: string) =>
      app.bearer({ roles: ['dispenser'], fhirUser: `Practitioner/pharmacist-${ods}`, org: ods }),
    release: (body: Parameters, authorization: string) => post('/fhir/R4/Task/$release', body, authorization),
    message: (body: Bundle, authorization: string) => post('/fhir/R4/$process-message', body, authorization),
    task: (body: unknown, authorization: string) => post('/fhir/R4/Task', body, authorization),
    claim: (body: unknown, authorization: string) => post('/fhir/R4/Claim', body, authorization),
  };
}

/** The signed bundles passed and the OperationOutcomes failed by a $release response. */
export function releaseOutcome(body: Parameters): {
  passed: Bundle[];
  failed: OperationOutcome[];
  warnings: OperationOutcome[];
} {
  const part = (name: string) =>
    body.parameter?.find((parameter) => parameter.name === name)?.resource as Bundle | undefined;
  return {
    passed: (part('passedPrescriptions')?.entry ?? []).map((entry) => entry.resource as Bundle),
    failed: (part('failedPrescriptions')?.entry ?? []).map((entry) => entry.resource as OperationOutcome),
    warnings: (part('warnings')?.entry ?? []).map((entry) => entry.resource as OperationOutcome),
  };
}

export function errorCode(body: OperationOutcome): string | undefined {
  return body.issue?.[0]?.details?.coding?.[0]?.code;
}

/** The whole service on a fresh database with one registered GP prescriber, and the dispensing calls. */
export async function startDispensingTest(kind: DatabaseKind) {
  const app = await startTestApp(kind);
  const gp = await registerPrescriber(app);
  return { app, gp, api: dispensingApi(app) };
}
