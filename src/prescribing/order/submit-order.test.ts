import type { Bundle, MedicationRequest, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  processMessage,
  RIGHT_SYSTEM,
  registerPrescriber,
  registrarBearer,
  type TestPrescriber,
} from '../../../test/support/prescribing/prescriber.js';
import { storedCounts } from '../../../test/support/prescribing/stored.js';
import { orderBundle, orderItems, shortFormIdOf } from '../examples/order-bundle.js';

function code(body: OperationOutcome): string | undefined {
  return body.issue?.[0]?.details?.coding?.[0]?.code;
}

describe.each(databaseKinds)('prescription-order on %s', (kind) => {
  let app: TestApp;
  let gp: TestPrescriber;
  let other: TestPrescriber;

  beforeAll(async () => {
    app = await startTestApp(kind);
    gp = await registerPrescriber(app, { rights: ['independent'] });
    other = await registerPrescriber(app, { rights: ['independent', 'controlled-drugs'] });
  });
  afterAll(async () => app?.close());

  async function send(bundle: unknown, as: TestPrescriber | string = gp) {
    return processMessage(app, bundle, typeof as === 'string' ? as : await as.bearer());
  }

  /** Sends, expects a refusal with this code and status, and checks that nothing was stored. */
  async function refused(
    bundle: unknown,
    expected: { code: string; status: number },
    as: TestPrescriber | string = gp,
  ) {
    const before = await storedCounts(app.pathways.db);
    const response = await send(bundle, as);
    expect(response.statusCode, response.body).toBe(expected.status);
    expect(response.json().resourceType).toBe('OperationOutcome');
    expect(code(response.json())).toBe(expected.code);
    expect(await storedCounts(app.pathways.db)).toEqual(before);
  }

  it.each([
    ['acute (order)', { intent: 'order' as const }],
    ['repeat dispensing (instance-order)', { intent: 'instance-order' as const }],
    ['repeat prescribing (original-order)', { intent: 'original-order' as const }],
    ['four items, nominated', { items: [{}, {}, {}, {}], nominatedPharmacy: 'FCG71' }],
    ['no nomination', { nominatedPharmacy: null }],
  ])('accepts the EPS shape re-signed: %s', async (_name, shape) => {
    const bundle = await gp.signedOrder(shape);
    const response = await send(bundle);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information' }],
    });
    const shortFormId = shortFormIdOf(bundle);
    const stored = await app.pathways.db.query<{ status: string; prescriber: string }>(
      'SELECT status, prescriber FROM prescription WHERE short_form_id = $1',
      [shortFormId],
    );
    expect(stored.rows).toEqual([{ status: '0001', prescriber: `Practitioner/${gp.practitionerId}` }]);
  });

  it('stores each item as a MedicationRequest of the stored patient, and emits prescription-order', async () => {
    const bundle = await gp.signedOrder({ items: [{}, {}], nominatedPharmacy: 'FCG71' });
    expect((await send(bundle)).statusCode).toBe(200);
    const item = orderItems(bundle)[0]!;
    const itemId = item.identifier![0]!.value!;
    const read = await app.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/MedicationRequest/${itemId}`,
      headers: { authorization: await gp.bearer() },
    });
    expect(read.statusCode).toBe(200);
    const stored = read.json() as MedicationRequest;
    expect(stored.subject?.reference).toMatch(/^Patient\//);
    expect(stored.requester?.reference).toBe(`Practitioner/${gp.practitionerId}`);
    const events = await app.pathways.db.query<{
      payload: { prescriptionId: string; nominatedPharmacy: string; patient: string };
    }>(`SELECT payload FROM outbox_event WHERE type = 'prescription-order' AND key = $1`, [
      item.groupIdentifier!.value,
    ]);
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0]!.payload).toMatchObject({
      prescriptionId: item.groupIdentifier!.value,
      nominatedPharmacy: 'FCG71',
      patient: stored.subject?.reference,
    });
    // The signed Bundle is stored once, in the prescription; consumers get it read back from there.
    expect(events.rows[0]!.payload).not.toHaveProperty('resource');
    const row = await app.pathways.db.query<{ id: string; key: string; occurred_at: Date | string }>(
      `SELECT id, key, occurred_at FROM outbox_event WHERE type = 'prescription-order' AND key = $1`,
      [item.groupIdentifier!.value],
    );
    const [published] = await app.pathways.outbox.published(app.pathways.db, [
      {
        id: row.rows[0]!.id,
        type: 'prescription-order',
        key: row.rows[0]!.key,
        occurredAt: new Date(row.rows[0]!.occurred_at).toISOString(),
        payload: events.rows[0]!.payload,
      },
    ]);
    expect(published!.payload).toEqual({
      ...events.rows[0]!.payload,
      resource: JSON.parse(JSON.stringify(bundle)),
    });
  });

  it('is idempotent for the same Bundle, and refuses other content under the same prescription ID', async () => {
    const bundle = await gp.signedOrder();
    expect((await send(bundle)).statusCode).toBe(200);
    const before = await storedCounts(app.pathways.db);
    const again = await send(bundle);
    expect(again.statusCode, again.body).toBe(200);
    expect(await storedCounts(app.pathways.db)).toEqual(before);
    const shortFormId = shortFormIdOf(bundle);
    await refused(await gp.signedOrder({ shortFormId, items: [{ quantity: 99 }] }), {
      code: 'DUPLICATE_PRESCRIPTION_ID',
      status: 409,
    });
  });

  it('refuses one changed byte of clinical content after signing (INVALID_SIGNATURE)', async () => {
    const bundle = await gp.signedOrder();
    const text = JSON.stringify(bundle).replace('"2 times a day for 10 days"', '"3 times a day for 10 days"');
    await refused(JSON.parse(text) as Bundle, { code: 'INVALID_SIGNATURE', status: 400 });
  });

  it('refuses a prescription-order without a signature (MISSING_DIGITAL_SIGNATURE)', async () => {
    await refused(
      orderBundle({
        practitionerIdentifiers: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: gp.gmc }],
      }),
      {
        code: 'MISSING_DIGITAL_SIGNATURE',
        status: 400,
      },
    );
  });

  it('refuses a bad check character and a bad NHS number, storing nothing', async () => {
    await refused(await gp.signedOrder({ shortFormId: '24F5DA-A83008-7EFE6A' }), {
      code: 'INVALID_CHECKSUM',
      status: 400,
    });
    await refused(await gp.signedOrder({ nhsNumber: '9449304131' }), {
      code: 'INVALID_PATIENT_IDENTIFIER',
      status: 400,
    });
  });

  it('refuses signing times in the future or older than 24 hours', async () => {
    await refused(await gp.signedOrder({ sigT: new Date(Date.now() + 10 * 60_000) }), {
      code: 'INVALID_SIGNATURE',
      status: 400,
    });
    await refused(await gp.signedOrder({ sigT: new Date(Date.now() - 25 * 3_600_000) }), {
      code: 'INVALID_SIGNATURE',
      status: 400,
    });
  });

  it("refuses another prescriber's certificate, or another prescriber's token (SIGNER_MISMATCH)", async () => {
    const signedByOther = await other.sign(
      orderBundle({
        practitionerIdentifiers: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: gp.gmc }],
      }),
    );
    await refused(signedByOther, { code: 'SIGNER_MISMATCH', status: 403 });
    await refused(await gp.signedOrder(), { code: 'SIGNER_MISMATCH', status: 403 }, other);
  });

  it('refuses a controlled drug from a prescriber without that right (NO_RIGHT_TO_PRESCRIBE)', async () => {
    await refused(await gp.signedOrder({ items: [{ controlled: true }] }), {
      code: 'NO_RIGHT_TO_PRESCRIBE',
      status: 403,
    });
    const accepted = await send(await other.signedOrder({ items: [{ controlled: true }] }), other);
    expect(accepted.statusCode, accepted.body).toBe(200);
  });

  it('judges the right to prescribe at the signing time', async () => {
    const nurse = await registerPrescriber(app, { rights: ['supplementary'] });
    const signedBefore = await nurse.signedOrder({ sigT: new Date() });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The role ends now: after the first signature, before the second.
    const registrar = await registrarBearer(app);
    const ended = await app.pathways.app.inject({
      method: 'PUT',
      url: `/fhir/R4/PractitionerRole/${nurse.roleId}`,
      headers: { authorization: registrar, 'content-type': 'application/fhir+json' },
      payload: {
        resourceType: 'PractitionerRole',
        id: nurse.roleId,
        active: true,
        period: { start: '2020-01-01T00:00:00Z', end: new Date().toISOString() },
        practitioner: { reference: `Practitioner/${nurse.practitionerId}` },
        organization: {
          identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: nurse.ods },
        },
        code: [{ coding: [{ system: RIGHT_SYSTEM, code: 'supplementary' }] }],
      },
    });
    expect(ended.statusCode, ended.body).toBe(200);
    expect((await send(signedBefore, nurse)).statusCode).toBe(200);
    const signedAfter = await nurse.signedOrder({ sigT: new Date(Date.now() + 1000) });
    await refused(signedAfter, { code: 'NO_RIGHT_TO_PRESCRIBE', status: 403 }, nurse);
  });

  it('refuses a prescriber without any role at the prescribing organisation', async () => {
    await refused(await gp.signedOrder({ ods: 'B82005' }), { code: 'FORBIDDEN', status: 403 });
    const elsewhere = await registerPrescriber(app, { ods: 'B82005' });
    const bundle = await elsewhere.sign(
      orderBundle({
        ods: 'A83008',
        practitionerIdentifiers: [{ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: elsewhere.gmc }],
      }),
    );
    const token = await app.bearer({
      roles: ['prescriber'],
      fhirUser: `Practitioner/${elsewhere.practitionerId}`,
      org: 'A83008',
    });
    await refused(bundle, { code: 'NO_RIGHT_TO_PRESCRIBE', status: 403 }, token);
  });

  it('accepts a certificate revoked as superseded after the signature, and refuses one revoked for keyCompromise', async () => {
    const revoke = async (prescriber: TestPrescriber, reason: string) => {
      const response = await app.pathways.app.inject({
        method: 'POST',
        url: `/fhir/R4/Practitioner/${prescriber.practitionerId}/$revoke-certificate`,
        headers: { authorization: await registrarBearer(app), 'content-type': 'application/fhir+json' },
        payload: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'serialNumber', valueString: prescriber.serialNumber },
            { name: 'reason', valueCode: reason },
          ],
        },
      });
      expect(response.statusCode, response.body).toBe(200);
    };
    const superseded = await registerPrescriber(app);
    const earlier = await superseded.signedOrder({ sigT: new Date() });
    // Revocation times are whole seconds (as in the CRL): revoke in a later second than sigT.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await revoke(superseded, 'superseded');
    const accepted = await send(earlier, superseded);
    expect(accepted.statusCode, accepted.body).toBe(200);
    await refused(
      await superseded.signedOrder({ sigT: new Date(Date.now() + 1000) }),
      { code: 'CERTIFICATE_REVOKED', status: 400 },
      superseded,
    );

    const compromised = await registerPrescriber(app);
    const before = await compromised.signedOrder({ sigT: new Date() });
    // Accepted once, so its certificate's parse is cached: the cache must not decide the next one.
    const accepted2 = await send(await compromised.signedOrder({ sigT: new Date() }), compromised);
    expect(accepted2.statusCode, accepted2.body).toBe(200);
    await revoke(compromised, 'keyCompromise');
    await refused(before, { code: 'CERTIFICATE_REVOKED', status: 400 }, compromised);
  });

  it.each([
    ['dispenser', { roles: ['dispenser' as const], org: 'FCG71' }],
    ['patient', { roles: ['patient' as const], fhirUser: 'Patient/demo' }],
    ['registrar', { roles: ['registrar' as const] }],
  ])('refuses a %s (403), storing nothing', async (_role, input) => {
    await refused(await gp.signedOrder(), { code: 'FORBIDDEN', status: 403 }, await app.bearer(input));
  });

  it('answers 401 without a token, and 400 for a message that is not a Bundle or of an unknown event', async () => {
    const none = await app.pathways.app.inject({
      method: 'POST',
      url: '/fhir/R4/$process-message',
      payload: {},
    });
    expect(none.statusCode).toBe(401);
    await refused({ resourceType: 'Patient' }, { code: 'INVALID_VALUE', status: 400 });
    const unknown = orderBundle();
    unknown.entry![0]!.resource = {
      resourceType: 'MessageHeader',
      eventCoding: { code: 'no-such-event' },
      source: { endpoint: 'x' },
    };
    await refused(unknown, { code: 'INVALID_VALUE', status: 400 });
  });
});
