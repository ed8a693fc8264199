import type { Bundle, Parameters } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  processMessage,
  registerPrescriber,
  type TestPrescriber,
} from '../../../test/support/prescribing/prescriber.js';
import { payloadDigest, signingPayload, verifyBundleSignature } from '../../signing/index.js';
import { orderBundle } from '../examples/order-bundle.js';

describe.each(databaseKinds)('$prepare and $sign on %s', (kind) => {
  let app: TestApp;
  let nurse: TestPrescriber;

  beforeAll(async () => {
    app = await startTestApp(kind);
    nurse = await registerPrescriber(app, { rights: ['supplementary'] });
  });
  afterAll(async () => app?.close());

  const unsigned = (gmc = nurse.gmc) =>
    orderBundle({
      practitionerIdentifiers: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: gmc }],
    });

  async function post(url: string, body: unknown, authorization: string) {
    return app.pathways.app.inject({
      method: 'POST',
      url,
      headers: { authorization, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(body),
    });
  }

  it('$prepare returns the exact canonical payload and its SHA-256 digest', async () => {
    const bundle = unsigned();
    const response = await post('/fhir/R4/$prepare', bundle, await nurse.bearer());
    expect(response.statusCode, response.body).toBe(200);
    const parameters = response.json() as Parameters;
    const value = (name: string) => parameters.parameter?.find((parameter) => parameter.name === name);
    expect(Buffer.from(value('payload')!.valueBase64Binary!, 'base64')).toEqual(
      Buffer.from(signingPayload(bundle)),
    );
    expect(value('digest')?.valueString).toBe(payloadDigest(bundle));
  });

  it('$sign signs with the key the service holds for the caller; the result is accepted', async () => {
    const response = await post('/fhir/R4/$sign', unsigned(), await nurse.bearer());
    expect(response.statusCode, response.body).toBe(200);
    const signed = response.json() as Bundle;
    const verified = await verifyBundleSignature(signed);
    expect(verified.alg).toBe('ES256');
    const accepted = await processMessage(app, signed, await nurse.bearer());
    expect(accepted.statusCode, accepted.body).toBe(200);
  });

  it('$sign needs recent MFA: a stale sign-in gets the RFC 9470 challenge', async () => {
    const stale = await app.bearer({
      roles: ['prescriber'],
      fhirUser: `Practitioner/${nurse.practitionerId}`,
      org: nurse.ods,
      authTime: Math.floor(Date.now() / 1000) - 3600,
    });
    const response = await post('/fhir/R4/$sign', unsigned(), stale);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/error="insufficient_user_authentication"/);
    expect(response.headers['www-authenticate']).toMatch(/max_age=900/);
  });

  it("$sign refuses another prescriber's prescription and non-prescribers", async () => {
    const other = await registerPrescriber(app);
    const response = await post('/fhir/R4/$sign', unsigned(other.gmc), await nurse.bearer());
    expect(response.statusCode).toBe(403);
    expect(response.json().issue[0].details.coding[0].code).toBe('SIGNER_MISMATCH');
    const dispenser = await post(
      '/fhir/R4/$sign',
      unsigned(),
      await app.bearer({ roles: ['dispenser'], org: 'FCG71' }),
    );
    expect(dispenser.statusCode).toBe(403);
    const bad = await post('/fhir/R4/$prepare', { resourceType: 'Patient' }, await nurse.bearer());
    expect(bad.statusCode).toBe(400);
  });
});
