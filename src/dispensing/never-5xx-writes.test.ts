/**
 * Property: no body sent to a write route is ever answered with a 5xx (issue 17 §2). Bodies are
 * generated from a valid one per route, with one element replaced by any JSON value or removed,
 * or are any JSON at all; each must be a 2xx or a 4xx. One app per database for the whole file.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/app.js';
import { databaseKinds } from '../../test/databases.js';
import { bodies } from '../../test/never-5xx.js';
import { dispensingApi } from '../../test/support/dispensing/api.js';
import {
  processMessage,
  registerPrescriber,
  type TestPrescriber,
} from '../../test/support/prescribing/prescriber.js';
import { NHS_NUMBER_SYSTEM } from '../nhs/index.js';
import { itemIdOf, orderBundle, shortFormIdOf } from '../prescribing/examples/order-bundle.js';
import {
  claim,
  dispenseNotification,
  releaseParameters,
  returnTask,
  withdrawTask,
} from './examples/messages.js';

/** Enough runs per route to find a shape that slips through, few enough to keep the file quick. */
const RUNS = 30;

interface WriteRoute {
  name: string;
  method: 'POST' | 'PUT';
  url: string;
  valid: unknown;
  as: string;
}

describe.each(databaseKinds)('no write route answers 5xx, on %s', (kind) => {
  let app: TestApp;
  let gp: TestPrescriber;
  const routes: WriteRoute[] = [];

  beforeAll(async () => {
    app = await startTestApp(kind, { RATE_LIMIT_PER_MINUTE: '10000000' });
    gp = await registerPrescriber(app);
    const api = dispensingApi(app);
    const pharmacist = await api.pharmacist('FCG71');
    const admin = await app.bearer({ roles: ['admin'] });
    const registrar = await app.bearer({ roles: ['registrar'], fhirUser: 'Practitioner/test-registrar' });
    const patientToken = await app.bearer({ roles: ['patient'], fhirUser: 'Patient/never-5xx' });
    const order = await gp.signedOrder({ nominatedPharmacy: 'FCG71' });
    expect((await processMessage(app, order, await gp.bearer())).statusCode).toBe(200);
    const id = shortFormIdOf(order);
    const itemId = itemIdOf(order);
    const patient = {
      resourceType: 'Patient',
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9449306060' }],
      name: [{ family: 'Property', given: ['Pat'] }],
      birthDate: '1970-01-01',
      telecom: [{ system: 'email', value: 'pat@example.org' }],
    };
    routes.push(
      { name: 'create', method: 'POST', url: '/fhir/R4/Patient', valid: patient, as: admin },
      { name: 'update', method: 'PUT', url: '/fhir/R4/Patient/never-5xx', valid: patient, as: admin },
      {
        name: 'create as a patient',
        method: 'POST',
        url: '/fhir/R4/Consent',
        valid: {
          resourceType: 'Consent',
          status: 'active',
          scope: { text: 'contact preferences' },
          category: [{ text: 'contact' }],
          patient: { reference: 'Patient/never-5xx' },
          dateTime: '2024-05-01T09:30:00Z',
        },
        as: patientToken,
      },
      {
        name: 'transaction',
        method: 'POST',
        url: '/fhir/R4',
        valid: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { fullUrl: 'urn:uuid:1', resource: patient, request: { method: 'POST', url: 'Patient' } },
            {
              resource: {
                resourceType: 'Observation',
                status: 'final',
                code: { text: 'x' },
                subject: { reference: 'urn:uuid:1' },
              },
              request: { method: 'POST', url: 'Observation' },
            },
          ],
        },
        as: admin,
      },
      {
        name: 'prescription-order',
        method: 'POST',
        url: '/fhir/R4/$process-message',
        valid: await gp.signedOrder({ nominatedPharmacy: 'FCG71' }),
        as: await gp.bearer(),
      },
      {
        name: '$prepare',
        method: 'POST',
        url: '/fhir/R4/$prepare',
        valid: orderBundle({ ods: gp.ods }),
        as: await gp.bearer(),
      },
      {
        name: 'Task/$release',
        method: 'POST',
        url: '/fhir/R4/Task/$release',
        valid: releaseParameters('FCG71', id),
        as: pharmacist,
      },
      {
        name: 'dispense-notification',
        method: 'POST',
        url: '/fhir/R4/$process-message',
        valid: dispenseNotification(id, 'FCG71', [{ itemId, type: '0001', quantity: 1 }]),
        as: pharmacist,
      },
      {
        name: 'return',
        method: 'POST',
        url: '/fhir/R4/Task',
        valid: returnTask(id, 'FCG71'),
        as: pharmacist,
      },
      {
        name: 'withdraw',
        method: 'POST',
        url: '/fhir/R4/Task',
        valid: withdrawTask(id, 'FCG71'),
        as: pharmacist,
      },
      { name: 'Claim', method: 'POST', url: '/fhir/R4/Claim', valid: claim(id), as: pharmacist },
      {
        name: 'Practitioner',
        method: 'POST',
        url: '/fhir/R4/Practitioner',
        valid: {
          resourceType: 'Practitioner',
          identifier: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: '7123456' }],
          name: [{ family: 'Property' }],
        },
        as: registrar,
      },
    );
  });
  afterAll(async () => app?.close());

  it('answers every generated body with a 2xx or 4xx on every write route', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(12);
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(bodies(route.valid), async (body) => {
          const response = await app.pathways.app.inject({
            method: route.method,
            url: route.url,
            headers: { authorization: route.as, 'content-type': 'application/fhir+json' },
            payload: body,
          });
          expect(response.statusCode, `${route.name}: ${response.body}`).toBeLessThan(500);
        }),
        { numRuns: RUNS },
      );
    }
  });
});
