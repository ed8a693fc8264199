import type { Bundle, Communication } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import { type dispensingApi, startDispensingTest } from '../../../test/support/dispensing/api.js';
import { processMessage, type TestPrescriber } from '../../../test/support/prescribing/prescriber.js';
import { ODS_SYSTEM } from '../../nhs/index.js';
import { shortFormIdOf } from '../../prescribing/examples/order-bundle.js';
import { PRESCRIPTION_ORDER_NUMBER } from '../../prescribing/index.js';
import { findPrescription } from '../../prescribing/store/prescriptions.js';
import { releaseParameters } from '../examples/messages.js';

describe.each(databaseKinds)('prescriber–dispenser messaging on %s', (kind) => {
  let app: TestApp;
  let gp: TestPrescriber;
  let api: ReturnType<typeof dispensingApi>;
  let shortFormId: string;
  let pharmacy: string;

  beforeAll(async () => {
    ({ app, gp, api } = await startDispensingTest(kind));
    const order = await gp.signedOrder({ nominatedPharmacy: 'FCG71' });
    expect((await processMessage(app, order, await gp.bearer())).statusCode).toBe(200);
    shortFormId = shortFormIdOf(order);
    pharmacy = await api.pharmacist('FCG71');
    expect((await api.release(releaseParameters('FCG71', shortFormId), pharmacy)).statusCode).toBe(200);
  });
  afterAll(async () => app?.close());

  const message = (to: string, text: string): Communication => ({
    resourceType: 'Communication',
    status: 'completed',
    about: [{ identifier: { system: PRESCRIPTION_ORDER_NUMBER, value: shortFormId } }],
    recipient: [{ identifier: { system: ODS_SYSTEM, value: to } }],
    payload: [{ contentString: text }],
  });

  async function inbox(authorization: string, query = '') {
    const response = await app.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/Communication${query}`,
      headers: { authorization },
    });
    return response;
  }

  it('lets the pharmacy write to the prescriber organisation, which lists it; the pharmacy does not receive its own', async () => {
    const sent = await api.post(
      '/fhir/R4/Communication',
      message('A83008', 'Is 20 tablets right? Usual pack is 21.'),
      pharmacy,
    );
    expect(sent.statusCode, sent.body).toBe(201);
    const stored = sent.json() as Communication;
    expect(stored.sender?.identifier?.value).toBe('FCG71');
    expect(stored.subject?.reference).toBe((await findPrescription(app.pathways.db, shortFormId))!.patient);
    const received = await inbox(await gp.bearer());
    expect(received.statusCode, received.body).toBe(200);
    expect(((received.json() as Bundle).entry ?? []).map((entry) => entry.resource?.id)).toContain(stored.id);
    const own = await inbox(pharmacy);
    expect(((own.json() as Bundle).entry ?? []).map((entry) => entry.resource?.id)).not.toContain(stored.id);
    const reply = await api.post(
      '/fhir/R4/Communication',
      message('FCG71', 'Yes, please supply 20.'),
      await gp.bearer(),
    );
    expect(reply.statusCode, reply.body).toBe(201);
    expect(JSON.stringify((await inbox(pharmacy)).json())).toContain('please supply 20');
  });

  it('refuses writers who are not a party to the prescription, and recipients who are not the other party', async () => {
    const stranger = await api.pharmacist('FEW08');
    expect((await api.post('/fhir/R4/Communication', message('A83008', 'hello'), stranger)).statusCode).toBe(
      403,
    );
    expect((await api.post('/fhir/R4/Communication', message('FEW08', 'hello'), pharmacy)).statusCode).toBe(
      400,
    );
    const patient = await app.bearer({ roles: ['patient'], fhirUser: 'Patient/x' });
    expect((await api.post('/fhir/R4/Communication', message('A83008', 'hello'), patient)).statusCode).toBe(
      403,
    );
  });

  it("never shows them to patients (even their own prescription's), nor another organisation's inbox", async () => {
    const record = (await findPrescription(app.pathways.db, shortFormId))!;
    const patient = await app.bearer({ roles: ['patient'], fhirUser: record.patient! });
    expect((await inbox(patient)).statusCode).toBe(403);
    const any = await app.pathways.db.query<{ id: string }>(
      `SELECT id FROM fhir_resource WHERE resource_type = 'Communication' LIMIT 1`,
    );
    const id = any.rows[0]!.id;
    const read = await app.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/Communication/${id}`,
      headers: { authorization: patient },
    });
    expect(read.statusCode).toBe(403);
    const history = await app.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/Communication/${id}/_history/1`,
      headers: { authorization: patient },
    });
    expect(history.statusCode).toBe(403);
    const stranger = await api.pharmacist('FEW08');
    expect((await inbox(stranger, `?recipient=${ODS_SYSTEM}|A83008`)).statusCode).toBe(403);
    const elsewhere = await app.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/Communication/${id}`,
      headers: { authorization: stranger },
    });
    expect(elsewhere.statusCode).toBe(404);
    const desk = await inbox(
      await app.bearer({ roles: ['service-desk'] }),
      `?recipient=${ODS_SYSTEM}|A83008`,
    );
    expect(desk.statusCode).toBe(200);
  });
});
